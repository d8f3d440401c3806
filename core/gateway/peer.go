package gateway

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"
)

// peer is one browser's PeerConnection and its relays.
type peer struct {
	g  *Gateway
	pc *webrtc.PeerConnection

	ctx    context.Context // done when the peer closes
	cancel context.CancelFunc
	lim    *limiter

	connected chan struct{} // closed when the PeerConnection is connected
	failed    chan struct{} // closed when it failed or closed by itself
	connOnce  sync.Once
	failOnce  sync.Once

	last atomic.Int64 // unix nanoseconds of the last activity

	mu       sync.Mutex
	closed   bool
	channels int // channels counted against MaxChannels
	relays   map[*relay]struct{}
}

// newPeer reserves a peer slot and starts its watchdog.
func (g *Gateway) newPeer() (*peer, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil, errClosed
	}
	if len(g.peers) >= g.cfg.MaxPeers {
		return nil, fmt.Errorf("%w (at most %d)", errTooMany, g.cfg.MaxPeers)
	}
	pc, err := g.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, fmt.Errorf("peer connection: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &peer{
		g: g, pc: pc, ctx: ctx, cancel: cancel,
		lim:       newLimiter(g.cfg.BytesPerSecond, g.cfg.MaxMessage),
		connected: make(chan struct{}),
		failed:    make(chan struct{}),
		relays:    map[*relay]struct{}{},
	}
	p.touch()
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		switch s {
		case webrtc.PeerConnectionStateConnected:
			p.connOnce.Do(func() { close(p.connected) })
		case webrtc.PeerConnectionStateFailed, webrtc.PeerConnectionStateClosed:
			p.failOnce.Do(func() { close(p.failed) })
		}
	})
	pc.OnDataChannel(p.onDataChannel)
	g.peers[p] = struct{}{}
	g.peersTotal.Add(1)
	g.wg.Add(1)
	go p.watch()
	return p, nil
}

func (p *peer) touch() { p.last.Store(time.Now().UnixNano()) }

// answer applies the offer and returns the answer once ICE gathering is
// complete.
func (p *peer) answer(ctx context.Context, offer string) (string, error) {
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", fmt.Errorf("bad offer: %v", err)
	}
	ans, err := p.pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("cannot answer: %v", err)
	}
	gathered := webrtc.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(ans); err != nil {
		return "", fmt.Errorf("cannot answer: %v", err)
	}
	t := time.NewTimer(p.g.cfg.ConnectTimeout)
	defer t.Stop()
	select {
	case <-gathered:
	case <-t.C:
		return "", errGather
	case <-ctx.Done():
		return "", errGather
	case <-p.ctx.Done():
		return "", errClosed
	}
	return p.pc.LocalDescription().SDP, nil
}

// watch closes the peer when it does not connect within ConnectTimeout,
// when it fails, and when it is idle for IdleTimeout.
func (p *peer) watch() {
	defer p.g.wg.Done()
	g := p.g
	t := time.NewTimer(g.cfg.ConnectTimeout)
	defer t.Stop()
	select {
	case <-p.connected:
	case <-t.C:
		p.close(fmt.Sprintf("did not connect within %v", g.cfg.ConnectTimeout))
		return
	case <-p.failed:
		p.close("connection failed")
		return
	case <-p.ctx.Done():
		return
	}
	g.logf("gateway: peer connected")
	every := min(max(g.cfg.IdleTimeout/4, 10*time.Millisecond), time.Second)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if idle := time.Since(time.Unix(0, p.last.Load())); idle >= g.cfg.IdleTimeout {
				p.close(fmt.Sprintf("idle for %v", g.cfg.IdleTimeout))
				return
			}
		case <-p.failed:
			p.close("connection failed or closed")
			return
		case <-p.ctx.Done():
			return
		}
	}
}

// close ends the peer: its relays, its PeerConnection, its slot.
func (p *peer) close(reason string) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	relays := make([]*relay, 0, len(p.relays))
	for r := range p.relays {
		relays = append(relays, r)
	}
	p.mu.Unlock()
	p.cancel()
	for _, r := range relays {
		r.close(reason)
	}
	p.pc.Close()
	g := p.g
	g.mu.Lock()
	delete(g.peers, p)
	g.mu.Unlock()
	g.logf("gateway: peer closed: %s", reason)
}

// onDataChannel checks a channel the page opened and relays it once open.
func (p *peer) onDataChannel(dc *webrtc.DataChannel) {
	p.touch()
	label := dc.Label()
	t, reason := parseLabel(label)
	if reason == "" {
		reason = checkReliability(t.proto, dc)
	}
	counted := false
	if reason == "" {
		p.mu.Lock()
		if p.channels >= p.g.cfg.MaxChannels {
			reason = fmt.Sprintf("too many channels (at most %d per peer)", p.g.cfg.MaxChannels)
		} else {
			p.channels++
			counted = true
		}
		p.mu.Unlock()
	}
	dc.OnOpen(func() {
		rwc, err := dc.DetachWithDeadline()
		if err != nil {
			dc.Close()
			p.uncount(counted)
			return
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			rwc.Close()
			return
		}
		r := &relay{p: p, rwc: rwc, label: label, target: t, counted: counted, pageGone: make(chan struct{})}
		p.relays[r] = struct{}{}
		p.g.wg.Add(1) // the peer's watchdog is running: the count is not zero
		p.mu.Unlock()
		go r.run(reason)
	})
}

func (p *peer) uncount(counted bool) {
	if counted {
		p.mu.Lock()
		p.channels--
		p.mu.Unlock()
	}
}

// limiter is a token bucket of bytes; a nil *limiter never waits.
type limiter struct {
	mu     sync.Mutex
	rate   float64 // bytes per second
	burst  float64
	tokens float64
	last   time.Time
}

func newLimiter(rate, maxMessage int) *limiter {
	if rate <= 0 {
		return nil
	}
	b := float64(max(rate, maxMessage))
	return &limiter{rate: float64(rate), burst: b, tokens: b, last: time.Now()}
}

// wait takes n bytes from the bucket, sleeping while it is in debt.
func (l *limiter) wait(ctx context.Context, n int) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	now := time.Now()
	l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	l.last = now
	l.tokens -= float64(n)
	debt := -l.tokens
	l.mu.Unlock()
	if debt <= 0 {
		return nil
	}
	t := time.NewTimer(time.Duration(debt / l.rate * float64(time.Second)))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
