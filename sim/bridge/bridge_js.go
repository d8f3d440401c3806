//go:build js && wasm

package bridge

import (
	"context"
	"errors"
	"syscall/js"
)

// post POSTs body as JSON to url with the browser's fetch; ctx aborts it.
func post(ctx context.Context, url string, body []byte) (status int, resp []byte, err error) {
	ac := js.Global().Get("AbortController").New()
	stop := context.AfterFunc(ctx, func() { ac.Call("abort") })
	defer stop()
	headers := js.Global().Get("Object").New()
	headers.Set("Content-Type", "application/json")
	opts := js.Global().Get("Object").New()
	opts.Set("method", "POST")
	opts.Set("headers", headers)
	opts.Set("body", string(body))
	opts.Set("cache", "no-store")
	opts.Set("signal", ac.Get("signal"))
	r, err := await(ctx, js.Global().Call("fetch", url, opts))
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, ctx.Err()
		}
		return 0, nil, err
	}
	text, err := await(ctx, r.Call("text"))
	if err != nil {
		return 0, nil, err
	}
	return r.Get("status").Int(), []byte(text.String()), nil
}

// await waits for a JavaScript promise, or for ctx.
func await(ctx context.Context, p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	then := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{v: args[0]}
		return nil
	})
	catch := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{err: errors.New(args[0].Call("toString").String())}
		return nil
	})
	release := func() { then.Release(); catch.Release() }
	p.Call("then", then, catch)
	select {
	case r := <-ch:
		release()
		return r.v, r.err
	case <-ctx.Done():
		// The promise still calls one of them when it settles.
		go func() { <-ch; release() }()
		return js.Undefined(), ctx.Err()
	}
}
