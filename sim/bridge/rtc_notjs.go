//go:build !js

package bridge

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

// rtcPeer is one WebRTC peer connection: natively pion's, with
// loopback-only ICE (UDP4 host candidates on "lo" only, remote candidates
// on loopback only, no mDNS), as the tests and benchmarks need.
type rtcPeer struct {
	pc *webrtc.PeerConnection

	mu   sync.Mutex
	lost func() // nil once closed: a peer we closed is not lost
}

func newRTCPeer() (*rtcPeer, error) {
	var se webrtc.SettingEngine
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICETimeouts(5*time.Second, 10*time.Second, 2*time.Second)
	se.SetSCTPMaxReceiveBufferSize(4 << 20)
	se.SetIncludeLoopbackCandidate(true)
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetRemoteIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	pc, err := webrtc.NewAPI(webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	return &rtcPeer{pc: pc}, nil
}

// onLost calls f when the connection failed or closed.
func (p *rtcPeer) onLost(f func()) {
	p.mu.Lock()
	p.lost = f
	p.mu.Unlock()
	p.pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateFailed || s == webrtc.PeerConnectionStateClosed {
			p.mu.Lock()
			f := p.lost
			p.mu.Unlock()
			if f != nil {
				f()
			}
		}
	})
}

func (p *rtcPeer) createChannel(label string, o chanOpts) (*rtcChannel, error) {
	var init webrtc.DataChannelInit
	if o.unreliable {
		ordered, rt := false, uint16(0)
		init.Ordered, init.MaxRetransmits = &ordered, &rt
	}
	if o.negotiated {
		neg, id := true, o.id
		init.Negotiated, init.ID = &neg, &id
	}
	dc, err := p.pc.CreateDataChannel(label, &init)
	if err != nil {
		return nil, err
	}
	return &rtcChannel{dc: dc}, nil
}

// offer creates an offer, sets it as the local description and returns
// it once ICE gathering is complete (non-trickle signaling).
func (p *rtcPeer) offer(ctx context.Context) (string, error) {
	o, err := p.pc.CreateOffer(nil)
	if err != nil {
		return "", fmt.Errorf("offer: %w", err)
	}
	return p.gather(ctx, o)
}

// answer applies a remote offer and returns the complete answer.
func (p *rtcPeer) answer(ctx context.Context, offer string) (string, error) {
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", fmt.Errorf("offer: %w", err)
	}
	a, err := p.pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("answer: %w", err)
	}
	return p.gather(ctx, a)
}

func (p *rtcPeer) gather(ctx context.Context, local webrtc.SessionDescription) (string, error) {
	gathered := webrtc.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(local); err != nil {
		return "", fmt.Errorf("%s: %w", local.Type, err)
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", fmt.Errorf("ICE gathering: %w", ctx.Err())
	}
	return p.pc.LocalDescription().SDP, nil
}

// acceptAnswer applies the remote answer to our offer.
func (p *rtcPeer) acceptAnswer(sdp string) error {
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
		return fmt.Errorf("answer: %w", err)
	}
	return nil
}

// close closes the connection; onLost's function is not called for it.
func (p *rtcPeer) close() error {
	p.mu.Lock()
	p.lost = nil
	p.mu.Unlock()
	return p.pc.Close()
}

// rtcChannel is one data channel of an rtcPeer.
type rtcChannel struct {
	dc       *webrtc.DataChannel
	detached atomic.Bool // closed by us: the handlers are not called any more
}

func (c *rtcChannel) onOpen(f func()) { c.dc.OnOpen(f) }

func (c *rtcChannel) onClose(f func()) {
	c.dc.OnClose(func() {
		if !c.detached.Load() {
			f()
		}
	})
}

// onMessage calls f with every message, in order, on pion's read loop;
// f gets its own copy of the data. The returned function undoes it.
func (c *rtcChannel) onMessage(f func(data []byte, isString bool)) (release func()) {
	c.dc.OnMessage(func(m webrtc.DataChannelMessage) {
		if !c.detached.Load() {
			f(bytes.Clone(m.Data), m.IsString)
		}
	})
	return func() {}
}

// onBufferedLow calls f whenever the bytes buffered to send fall to
// threshold.
func (c *rtcChannel) onBufferedLow(threshold int, f func()) {
	c.dc.SetBufferedAmountLowThreshold(uint64(threshold))
	c.dc.OnBufferedAmountLow(f)
}

func (c *rtcChannel) buffered() int { return int(c.dc.BufferedAmount()) }

// send sends p as one message; p may be reused once it returns.
func (c *rtcChannel) send(p []byte) error { return c.dc.Send(bytes.Clone(p)) }

// close closes the channel: a close by the user is not reported to
// onClose, nor are messages still arriving, as in the browser.
func (c *rtcChannel) close() error {
	c.detached.Store(true)
	return c.dc.Close()
}
