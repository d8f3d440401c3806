// Package gateway relays WebRTC data channels of a browser to real
// sockets: the page opens a data channel named "tcp/HOST:PORT" or
// "udp/HOST:PORT", and the gateway, a pion peer on the native side,
// connects one real TCP connection or one UDP socket to that target and
// copies messages both ways. It is how the web page of socketlab talks
// to the textbook's servers running natively.
//
// Signaling is one HTTP exchange: POST /rtc with the browser's complete
// (non-trickle) offer as JSON {"type":"offer","sdp":"…"}; the answer comes
// back in the same shape once ICE gathering is complete.
//
// Rooms pair two pages with each other, browser to browser: the gateway
// relays only their signaling, never their data. Both POST /room/NAME
// (NAME: 1–32 of a-z 0-9 - _, else 400) with their complete offer
// {"type":"offer","sdp":"…"}:
//
//   - In an empty room the offer waits: the request is held until a
//     partner answers, then returns 200 {"type":"answer","sdp":"…"}; after
//     Config.RoomWait (2 minutes) without an answer it returns 408
//     `nobody joined room "NAME" within 2m0s`. A waiter that goes away
//     frees the room.
//   - In a room whose waiting offer nobody claims, the caller's own offer
//     is discarded and it gets 200
//     {"type":"offer","sdp":"<the waiting offer>","ticket":"<hex>"}: it
//     must answer that offer with POST /room/NAME
//     {"type":"answer","sdp":"…","ticket":"<hex>"}, which hands the
//     answer to the waiter and returns 204; the room is then empty and
//     its name free. While claimed, other offers get 409 `room "NAME" is
//     full: two pages are pairing in it`; a claim not answered within
//     Config.ConnectTimeout lapses and the next offer gets the waiting
//     offer with a new ticket.
//   - An answer without the ticket of a live claim is 409 with the reason
//     in one line; a ticket in an offer is 400. At most Config.MaxRooms
//     rooms (64) hold an offer at once, after that 503 `too many rooms
//     waiting`; Shutdown answers every waiter 503 `gateway closed`.
//
// Class rooms pair one teacher's page with each student's page in turn
// (class.go), again relaying only signaling, at POST /class/NAME:
//
//   - The teacher opens the class with {"type":"offer","sdp":"…"}; the
//     request is held until a student answers and returns 200
//     {"type":"answer","sdp":"…","ticket":"<teacher ticket>"}. Each later
//     offer carries that ticket and "students" (how many the teacher's
//     page has now, at most Config.MaxStudents). An offer without a
//     ticket to an open class is 409 `class "NAME" already has a
//     teacher`. When an offer waits RoomWait without a student, or the
//     teacher's page goes away, or the teacher does not offer again
//     within ConnectTimeout of an answer, the class closes.
//   - A student POSTs {"type":"join"} and gets 200
//     {"type":"offer","sdp":"<the teacher's offer>","ticket":"<hex>"} (it
//     waits, at most ConnectTimeout, while the teacher is between two
//     offers or another student holds the offer), then answers with
//     {"type":"answer","sdp":"…","ticket":"<hex>"}: 204. A class without
//     a teacher is 404, a full one 409 `class "NAME" is full: N students
//     already`; a claim lapses after ConnectTimeout like a room's.
//
// The gateway is a small attack surface on purpose: only allowlisted
// targets (checked after name resolution, before any connection attempt),
// only requests whose Host and Origin are the served ones, loopback-only
// ICE unless Config.LAN is set, and bounds on peers, channels, message
// size, bandwidth, signaling body, connect and idle time.
package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"

	"socketlab/core"
)

// NodeGateway is the node name of the gateway's trace events: the
// gateway's own socket operations towards the real servers.
const NodeGateway = "gateway"

// Defaults of the Config bounds.
const (
	DefaultMaxPeers       = 32
	DefaultMaxChannels    = 8
	DefaultMaxMessage     = 64 << 10
	DefaultMaxBody        = 64 << 10
	DefaultBytesPerSecond = 4 << 20
	DefaultConnectTimeout = 10 * time.Second
	DefaultIdleTimeout    = 2 * time.Minute
	DefaultDialTimeout    = 5 * time.Second
	DefaultWriteTimeout   = 10 * time.Second
	DefaultMaxRooms       = 64
	DefaultRoomWait       = 2 * time.Minute
)

// Path is the signaling endpoint ServeHTTP answers.
const Path = "/rtc"

// Resolver looks up host names of channel labels; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Impairment makes the UDP leg lossy on purpose, so that students see
// real datagram loss, duplication and reordering. Each probability is in
// [0, 1] and is applied to every datagram of both directions (page to
// server and server to page). The decisions come from a math/rand/v2 PCG
// source per relay and direction, seeded with Seed: one seed gives the
// same decisions for the same sequence of datagrams.
type Impairment struct {
	Loss      float64 // probability a datagram is dropped
	Duplicate float64 // probability a datagram is sent twice
	Reorder   float64 // probability a datagram is held back and sent after the next one
	// ReorderHold bounds how long a held-back datagram waits for the next
	// one (0 means 50 ms); it is then sent anyway.
	ReorderHold time.Duration
	Seed        uint64
}

func (im Impairment) on() bool { return im.Loss > 0 || im.Duplicate > 0 || im.Reorder > 0 }

// Config configures a Gateway. Zero bounds mean the defaults above;
// negative ones mean no bound where that is stated.
type Config struct {
	// Allow lists the only targets a channel may name: exact IP address
	// and port (IPv4-mapped addresses are unmapped). A label's host name
	// is resolved first and every resolved address is checked; only the
	// allowed ones are dialled, and if none is the channel is refused
	// without any connection attempt. Typically the addresses of the demo
	// servers the caller started. Empty: every channel is refused.
	Allow []netip.AddrPort
	// Hosts are the accepted values of the request's Host header
	// ("127.0.0.1:8080", "localhost:8080"), which defeats DNS rebinding.
	// Empty: a Host whose name is "localhost" or a loopback IP address,
	// with any port.
	Hosts []string
	// Origins are the accepted values of the Origin header
	// ("http://127.0.0.1:8080"), which defeats cross-site POSTs. Empty:
	// the origin must be http:// or https:// followed by the request's
	// Host. A request without Origin (not a browser) is accepted.
	Origins []string
	// LAN lifts the loopback-only ICE filters (classroom mode): host
	// candidates on every interface, remote candidates from anywhere.
	LAN bool

	MaxPeers    int   // peers at once (0: DefaultMaxPeers)
	MaxChannels int   // open channels per peer (0: DefaultMaxChannels)
	MaxMessage  int   // bytes of one message either way (0: DefaultMaxMessage)
	MaxBody     int64 // bytes of a signaling request body (0: DefaultMaxBody)
	// BytesPerSecond bounds the relayed bytes of one peer, both
	// directions together (0: DefaultBytesPerSecond; negative: no bound).
	BytesPerSecond int
	// ConnectTimeout bounds ICE gathering during signaling and the time a
	// peer has to connect (ICE, DTLS, SCTP) after its answer was sent; a
	// peer that is not connected by then is closed (0:
	// DefaultConnectTimeout).
	ConnectTimeout time.Duration
	// IdleTimeout closes a relay with no message either way for this
	// long, and a peer with no activity at all for this long (0:
	// DefaultIdleTimeout).
	IdleTimeout time.Duration
	// DialTimeout bounds resolving and connecting to a TCP target (0:
	// DefaultDialTimeout).
	DialTimeout time.Duration
	// WriteTimeout bounds every write to a relay socket or channel (0:
	// DefaultWriteTimeout).
	WriteTimeout time.Duration
	// MaxRooms bounds the rooms holding an offer (waiting or claimed) at
	// once (0: DefaultMaxRooms).
	MaxRooms int
	// RoomWait bounds how long an offer waits in a room for a partner's
	// answer (0: DefaultRoomWait). A joiner's claim on a waiting offer
	// lapses after ConnectTimeout.
	RoomWait time.Duration
	// MaxStudents bounds the students of one class room (0:
	// DefaultMaxStudents); it also bounds the count a teacher reports.
	MaxStudents int

	// Impair, if any probability is set, impairs the UDP relays.
	Impair Impairment
	// Resolver resolves host names of labels (nil: net.DefaultResolver).
	Resolver Resolver
	// Trace, if on, receives an app event on node "gateway" for every
	// relayed message and socket operation: connect, write, read, close
	// of TCP targets, sendto and recvfrom of UDP ones, errors and
	// refusals. Its Sink must be safe for concurrent use (trace.Feed is).
	Trace core.Tracer
	// Logf, if set, receives one line per peer, channel and problem. It is
	// called from several goroutines at once.
	Logf func(format string, args ...any)
}

// Stats are counters of a Gateway since New.
type Stats struct {
	Peers         int    // peers now
	Channels      int    // relays now
	PeersTotal    uint64 // peers accepted
	ChannelsTotal uint64 // channels relayed
	Refused       uint64 // channels refused (label, reliability, allowlist, bounds)
	BytesUp       uint64 // bytes relayed from pages to targets
	BytesDown     uint64 // bytes relayed from targets to pages
	Dropped       uint64 // datagrams dropped by Impair
	RoomsWaiting  int    // rooms holding an offer now (waiting or claimed)
	RoomsPaired   uint64 // answers delivered in rooms and class rooms
	Classes       int    // class rooms open now
}

// Gateway is the signaling handler and the pion peers it runs. ServeHTTP,
// Stats, Close and Shutdown are safe for concurrent use.
type Gateway struct {
	cfg   Config
	api   *webrtc.API
	allow map[netip.AddrPort]bool

	mu    sync.Mutex
	peers map[*peer]struct{}
	rooms map[string]*room // rooms holding an offer, by name
	// classes are the open class rooms, by name (class.go)
	classes map[string]*class
	closed  bool
	wg      sync.WaitGroup // every goroutine the gateway started

	peersTotal, channelsTotal, refused atomic.Uint64
	bytesUp, bytesDown, dropped        atomic.Uint64
	channels                           atomic.Int64
	seq                                atomic.Uint64 // relays started, for the impairment seeds
	roomsPaired                        atomic.Uint64
}

// New returns a Gateway for cfg; it starts nothing until offers arrive.
func New(cfg Config) (*Gateway, error) {
	if cfg.MaxPeers <= 0 {
		cfg.MaxPeers = DefaultMaxPeers
	}
	if cfg.MaxChannels <= 0 {
		cfg.MaxChannels = DefaultMaxChannels
	}
	if cfg.MaxMessage <= 0 {
		cfg.MaxMessage = DefaultMaxMessage
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.BytesPerSecond == 0 {
		cfg.BytesPerSecond = DefaultBytesPerSecond
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.MaxRooms <= 0 {
		cfg.MaxRooms = DefaultMaxRooms
	}
	if cfg.RoomWait <= 0 {
		cfg.RoomWait = DefaultRoomWait
	}
	if cfg.MaxStudents <= 0 {
		cfg.MaxStudents = DefaultMaxStudents
	}
	if cfg.Impair.ReorderHold <= 0 {
		cfg.Impair.ReorderHold = 50 * time.Millisecond
	}
	for _, p := range []float64{cfg.Impair.Loss, cfg.Impair.Duplicate, cfg.Impair.Reorder} {
		if p < 0 || p > 1 {
			return nil, fmt.Errorf("gateway: impairment probability %v not in [0, 1]", p)
		}
	}
	if cfg.Resolver == nil {
		cfg.Resolver = net.DefaultResolver
	}
	g := &Gateway{cfg: cfg, allow: map[netip.AddrPort]bool{}, peers: map[*peer]struct{}{}, rooms: map[string]*room{}, classes: map[string]*class{}}
	for _, ap := range cfg.Allow {
		if !ap.IsValid() || ap.Port() == 0 {
			return nil, fmt.Errorf("gateway: allowlist entry %v is not an address and port", ap)
		}
		g.allow[netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())] = true
	}
	g.api = webrtc.NewAPI(webrtc.WithSettingEngine(settingEngine(cfg.LAN, true, cfg.MaxMessage)))
	return g, nil
}

// settingEngine returns the pion settings of the gateway: detached data
// channels (when detach) with blocking writes, UDP4 without mDNS, the
// SCTP max-message-size (when not 0) and, unless lan, loopback-only ICE:
// local candidates on "lo" only, remote candidates on loopback only.
func settingEngine(lan, detach bool, maxMessage int) webrtc.SettingEngine {
	var se webrtc.SettingEngine
	if detach {
		se.DetachDataChannels()
	}
	se.EnableDataChannelBlockWrite(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetICETimeouts(5*time.Second, 10*time.Second, 2*time.Second)
	se.SetSCTPMaxReceiveBufferSize(4 << 20)
	if maxMessage > 0 {
		se.SetSCTPMaxMessageSize(uint32(maxMessage))
	}
	if !lan {
		se.SetIncludeLoopbackCandidate(true)
		se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
		se.SetRemoteIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	}
	return se
}

func (g *Gateway) logf(format string, args ...any) {
	if g.cfg.Logf != nil {
		g.cfg.Logf(format, args...)
	}
}

// SessionDescription is the JSON body of the signaling exchange, the
// shape of the browser's RTCSessionDescriptionInit.
type SessionDescription struct {
	Type string `json:"type"`
	SDP  string `json:"sdp"`
}

// httpError answers with status and a one-line text body.
func httpError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	io.WriteString(w, msg+"\n")
}

// ServeHTTP handles POST /rtc and POST /room/NAME (see the package doc
// for rooms); every other path is 404. It checks Host
// and Origin (403), the method (405), the content type (415), and the
// body (400: strict JSON, one object, no unknown fields, at most
// MaxBody bytes); then it creates a peer (503 when MaxPeers are busy or
// the gateway is closed), answers the offer and returns the answer once
// ICE gathering is complete. It is safe for concurrent use.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	room := strings.HasPrefix(r.URL.Path, RoomPath)
	cls := strings.HasPrefix(r.URL.Path, ClassPath)
	if r.URL.Path != Path && !room && !cls {
		httpError(w, http.StatusNotFound, "not found")
		return
	}
	if !g.hostOK(r.Host) {
		httpError(w, http.StatusForbidden, "forbidden: host "+quote(r.Host)+" is not served here")
		return
	}
	if o := r.Header.Get("Origin"); o != "" && !g.originOK(o, r.Host) {
		httpError(w, http.StatusForbidden, "forbidden: origin "+quote(o)+" is not allowed")
		return
	}
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		httpError(w, http.StatusForbidden, "forbidden: cross-site request")
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		httpError(w, http.StatusMethodNotAllowed, "method not allowed: POST an offer")
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		httpError(w, http.StatusUnsupportedMediaType, "unsupported media type: want application/json")
		return
	}
	if room {
		g.serveRoom(w, r)
		return
	}
	if cls {
		g.serveClass(w, r)
		return
	}
	offer, err := g.readOffer(w, r)
	if err != nil {
		httpError(w, http.StatusBadRequest, "bad request: "+oneLine(err.Error()))
		return
	}
	p, err := g.newPeer()
	if err != nil {
		httpError(w, http.StatusServiceUnavailable, oneLine(err.Error()))
		return
	}
	answer, err := p.answer(r.Context(), offer)
	if err != nil {
		p.close("signaling failed")
		status := http.StatusBadRequest
		if errors.Is(err, errGather) {
			status = http.StatusServiceUnavailable
		}
		httpError(w, status, oneLine(err.Error()))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(SessionDescription{Type: "answer", SDP: answer})
}

func (g *Gateway) readOffer(w http.ResponseWriter, r *http.Request) (string, error) {
	var sd SessionDescription
	if err := g.decodeBody(w, r, &sd); err != nil {
		return "", err
	}
	if sd.Type != "offer" {
		return "", fmt.Errorf("type is %q, want \"offer\"", sd.Type)
	}
	if sd.SDP == "" {
		return "", errors.New("empty sdp")
	}
	return sd.SDP, nil
}

func (g *Gateway) hostOK(host string) bool {
	if len(g.cfg.Hosts) > 0 {
		for _, h := range g.cfg.Hosts {
			if strings.EqualFold(h, host) {
				return true
			}
		}
		return false
	}
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	name = strings.TrimSuffix(strings.TrimPrefix(name, "["), "]")
	if strings.EqualFold(name, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(name)
	return err == nil && a.Unmap().IsLoopback()
}

func (g *Gateway) originOK(origin, host string) bool {
	if len(g.cfg.Origins) > 0 {
		for _, o := range g.cfg.Origins {
			if strings.EqualFold(o, origin) {
				return true
			}
		}
		return false
	}
	return strings.EqualFold(origin, "http://"+host) || strings.EqualFold(origin, "https://"+host)
}

func quote(s string) string {
	if len(s) > 100 {
		s = s[:100] + "…"
	}
	return fmt.Sprintf("%q", s)
}

func oneLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return s
}

var (
	errClosed  = errors.New("gateway closed")
	errTooMany = errors.New("too many peers")
	errGather  = errors.New("ICE gathering did not complete in time")
)

// Stats returns the gateway's counters.
func (g *Gateway) Stats() Stats {
	g.mu.Lock()
	n, rooms := len(g.peers), len(g.rooms)
	now := time.Now()
	for name := range g.classes {
		g.classLocked(name, now) // closes the lapsed ones
	}
	classes := len(g.classes)
	g.mu.Unlock()
	return Stats{
		Peers:         n,
		Channels:      int(g.channels.Load()),
		PeersTotal:    g.peersTotal.Load(),
		ChannelsTotal: g.channelsTotal.Load(),
		Refused:       g.refused.Load(),
		BytesUp:       g.bytesUp.Load(),
		BytesDown:     g.bytesDown.Load(),
		Dropped:       g.dropped.Load(),
		RoomsWaiting:  rooms,
		RoomsPaired:   g.roomsPaired.Load(),
		Classes:       classes,
	}
}

// Shutdown refuses new offers, answers every offer waiting in a room with
// 503, closes every peer and relay, and waits for all of the gateway's
// goroutines and held room requests to return or for ctx to end (then it
// returns ctx's error; the goroutines still end soon).
func (g *Gateway) Shutdown(ctx context.Context) error {
	g.mu.Lock()
	g.closed = true
	g.closeRoomsLocked()
	g.closeClassesLocked()
	peers := make([]*peer, 0, len(g.peers))
	for p := range g.peers {
		peers = append(peers, p)
	}
	g.mu.Unlock()
	for _, p := range peers {
		p.close("gateway closed")
	}
	done := make(chan struct{})
	go func() { g.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close is Shutdown without a deadline: it returns when every peer, relay
// and goroutine of the gateway is gone.
func (g *Gateway) Close() error { return g.Shutdown(context.Background()) }
