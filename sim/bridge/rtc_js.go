//go:build js && wasm

package bridge

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall/js"
)

// rtcPeer is one WebRTC peer connection: in the browser its own
// RTCPeerConnection, driven through syscall/js (not pion's js build,
// which would add its DTLS, SCTP and ICE packages, unused in a browser,
// to the module: 1.4 MB of the compressed bundle). ICE is the browser's.
type rtcPeer struct {
	pc    js.Value
	funcs funcs
}

// funcs are the Go functions a peer or channel handed to JavaScript;
// release unsets the handlers first, so JavaScript never calls a
// released function.
type funcs struct {
	mu  sync.Mutex
	obj js.Value
	set []string
	fs  []js.Func
}

// on sets obj[name] = f.
func (fs *funcs) on(obj js.Value, name string, f func(args []js.Value)) {
	fn := js.FuncOf(func(_ js.Value, args []js.Value) any { f(args); return nil })
	fs.mu.Lock()
	fs.obj = obj
	fs.set = append(fs.set, name)
	fs.fs = append(fs.fs, fn)
	fs.mu.Unlock()
	obj.Set(name, fn)
}

func (fs *funcs) release() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, name := range fs.set {
		fs.obj.Set(name, js.Null())
	}
	for _, f := range fs.fs {
		f.Release()
	}
	fs.set, fs.fs = nil, nil
}

func newRTCPeer() (p *rtcPeer, err error) {
	ctor := js.Global().Get("RTCPeerConnection")
	if ctor.Type() != js.TypeFunction {
		return nil, errors.New("this browser has no RTCPeerConnection")
	}
	defer catch(&err)
	return &rtcPeer{pc: ctor.New(js.Global().Get("Object").New())}, nil
}

// catch turns a JavaScript exception (a js.Error panic) into *err.
func catch(err *error) {
	switch r := recover().(type) {
	case nil:
	case js.Error:
		*err = errors.New(r.Value.Call("toString").String())
	default:
		panic(r)
	}
}

// onLost calls f when the connection failed or closed.
func (p *rtcPeer) onLost(f func()) {
	p.funcs.on(p.pc, "onconnectionstatechange", func([]js.Value) {
		if s := p.pc.Get("connectionState").String(); s == "failed" || s == "closed" {
			f()
		}
	})
}

func (p *rtcPeer) createChannel(label string, o chanOpts) (c *rtcChannel, err error) {
	defer catch(&err)
	init := js.Global().Get("Object").New()
	if o.unreliable {
		init.Set("ordered", false)
		init.Set("maxRetransmits", 0)
	}
	if o.negotiated {
		init.Set("negotiated", true)
		init.Set("id", int(o.id))
	}
	dc := p.pc.Call("createDataChannel", label, init)
	dc.Set("binaryType", "arraybuffer")
	return &rtcChannel{dc: dc}, nil
}

// offer creates an offer, sets it as the local description and returns
// it once ICE gathering is complete (non-trickle signaling).
func (p *rtcPeer) offer(ctx context.Context) (string, error) {
	o, err := await(ctx, p.pc.Call("createOffer"))
	if err != nil {
		return "", fmt.Errorf("offer: %w", err)
	}
	return p.gather(ctx, "offer", o)
}

// answer applies a remote offer and returns the complete answer.
func (p *rtcPeer) answer(ctx context.Context, offer string) (string, error) {
	if _, err := await(ctx, p.pc.Call("setRemoteDescription", description("offer", offer))); err != nil {
		return "", fmt.Errorf("offer: %w", err)
	}
	a, err := await(ctx, p.pc.Call("createAnswer"))
	if err != nil {
		return "", fmt.Errorf("answer: %w", err)
	}
	return p.gather(ctx, "answer", a)
}

func description(typ, sdp string) js.Value {
	d := js.Global().Get("Object").New()
	d.Set("type", typ)
	d.Set("sdp", sdp)
	return d
}

func (p *rtcPeer) gather(ctx context.Context, typ string, local js.Value) (string, error) {
	complete := make(chan struct{})
	var once sync.Once
	var fs funcs
	defer fs.release()
	fs.on(p.pc, "onicegatheringstatechange", func([]js.Value) {
		if p.pc.Get("iceGatheringState").String() == "complete" {
			once.Do(func() { close(complete) })
		}
	})
	if _, err := await(ctx, p.pc.Call("setLocalDescription", local)); err != nil {
		return "", fmt.Errorf("%s: %w", typ, err)
	}
	if p.pc.Get("iceGatheringState").String() == "complete" {
		once.Do(func() { close(complete) })
	}
	select {
	case <-complete:
	case <-ctx.Done():
		return "", fmt.Errorf("ICE gathering: %w", ctx.Err())
	}
	return p.pc.Get("localDescription").Get("sdp").String(), nil
}

// acceptAnswer applies the remote answer to our offer.
func (p *rtcPeer) acceptAnswer(sdp string) error {
	if _, err := await(context.Background(), p.pc.Call("setRemoteDescription", description("answer", sdp))); err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	return nil
}

// close closes the connection; onLost's function is not called for it.
func (p *rtcPeer) close() (err error) {
	defer catch(&err)
	p.funcs.release()
	p.pc.Call("close")
	return nil
}

// rtcChannel is one RTCDataChannel.
type rtcChannel struct {
	dc    js.Value
	funcs funcs
}

func (c *rtcChannel) onOpen(f func())  { c.funcs.on(c.dc, "onopen", func([]js.Value) { f() }) }
func (c *rtcChannel) onClose(f func()) { c.funcs.on(c.dc, "onclose", func([]js.Value) { f() }) }

// onMessage calls f in every message event, in order, with binary data
// copied to Go. The returned function does nothing: close releases the
// handlers.
func (c *rtcChannel) onMessage(f func(data []byte, isString bool)) (release func()) {
	uint8Array := js.Global().Get("Uint8Array")
	c.funcs.on(c.dc, "onmessage", func(args []js.Value) {
		data := args[0].Get("data")
		if data.Type() == js.TypeString {
			f([]byte(data.String()), true)
			return
		}
		u := uint8Array.New(data)
		b := make([]byte, u.Get("length").Int())
		js.CopyBytesToGo(b, u)
		f(b, false)
	})
	return func() {}
}

// onBufferedLow calls f whenever the bytes buffered to send fall to
// threshold.
func (c *rtcChannel) onBufferedLow(threshold int, f func()) {
	c.dc.Set("bufferedAmountLowThreshold", threshold)
	c.funcs.on(c.dc, "onbufferedamountlow", func([]js.Value) { f() })
}

func (c *rtcChannel) buffered() int { return c.dc.Get("bufferedAmount").Int() }

// send sends p as one binary message; p may be reused once it returns.
func (c *rtcChannel) send(p []byte) (err error) {
	defer catch(&err)
	u := js.Global().Get("Uint8Array").New(len(p))
	js.CopyBytesToJS(u, p)
	c.dc.Call("send", u)
	return nil
}

// close closes the channel and releases its handlers: a close by the
// user is not reported to onClose.
func (c *rtcChannel) close() (err error) {
	defer catch(&err)
	defer c.funcs.release()
	c.dc.Call("close")
	return nil
}
