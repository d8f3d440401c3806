//go:build js && wasm

package bridge

import (
	"context"
	"errors"
	"syscall/js"

	"github.com/pion/webrtc/v4"
)

// newPeerConnection wraps the browser's RTCPeerConnection (pion's js
// build); ICE is the browser's.
func newPeerConnection() (*webrtc.PeerConnection, error) {
	return webrtc.NewPeerConnection(webrtc.Configuration{})
}

// onMessage sets dc's onmessage itself rather than through pion, whose
// handler starts a goroutine per message (their order would be the
// scheduler's): f runs in the event, in order, with binary data as
// ArrayBuffer copied to Go. The returned function removes the handler.
func onMessage(dc *webrtc.DataChannel, f func(data []byte, isString bool)) (release func()) {
	v := dc.JSValue()
	v.Set("binaryType", "arraybuffer")
	uint8Array := js.Global().Get("Uint8Array")
	h := js.FuncOf(func(_ js.Value, args []js.Value) any {
		data := args[0].Get("data")
		if data.Type() == js.TypeString {
			f([]byte(data.String()), true)
			return nil
		}
		u := uint8Array.New(data)
		b := make([]byte, u.Get("length").Int())
		js.CopyBytesToGo(b, u)
		f(b, false)
		return nil
	})
	v.Set("onmessage", h)
	return func() {
		v.Set("onmessage", js.Null())
		h.Release()
	}
}

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
	r, err := await(js.Global().Call("fetch", url, opts))
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, ctx.Err()
		}
		return 0, nil, err
	}
	text, err := await(r.Call("text"))
	if err != nil {
		return 0, nil, err
	}
	return r.Get("status").Int(), []byte(text.String()), nil
}

// await waits for a JavaScript promise.
func await(p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	then := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{v: args[0]}
		return nil
	})
	defer then.Release()
	catch := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- result{err: errors.New(args[0].Call("toString").String())}
		return nil
	})
	defer catch.Release()
	p.Call("then", then, catch)
	r := <-ch
	return r.v, r.err
}
