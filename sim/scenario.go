package sim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"time"

	"socketlab/sim/tcp"
	"socketlab/sim/trace"
)

// Duration is a time.Duration that reads and writes JSON as a Go duration
// string ("10ms", "1.5s"), so scenario files stay readable.
type Duration time.Duration

// MarshalJSON writes d as a string such as "10ms".
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON accepts a duration string ("250ms", "2s", "0").
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		got := string(b)
		if len(got) > 20 || strings.ContainsAny(got, "\r\n") {
			got = "a JSON " + jsonKind(b)
		}
		return fmt.Errorf("want a duration string such as \"10ms\", got %s", got)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("bad duration %q (want e.g. \"10ms\", \"1.5s\")", s)
	}
	*d = Duration(v)
	return nil
}

func jsonKind(b []byte) string {
	switch t := bytes.TrimSpace(b); {
	case len(t) == 0:
		return "value"
	case t[0] == '[':
		return "array"
	case t[0] == '{':
		return "object"
	case t[0] == '"':
		return "string"
	default:
		return "value"
	}
}

// Scenario is one simulated experiment: a topology, the programs running on
// its hosts, scripted faults, TCP parameters and the seed that drives every
// random draw. It is the JSON document described in the package comment.
type Scenario struct {
	Name        string   `json:"name,omitempty"`        // preset name or file name
	Description string   `json:"description,omitempty"` // one line, shown as the trace title
	Seed        uint64   `json:"seed"`                  // drives every random draw
	Duration    Duration `json:"duration"`              // how much virtual time Run simulates

	Hosts    []NodeSpec `json:"hosts"`
	Routers  []NodeSpec `json:"routers,omitempty"`
	Links    []LinkSpec `json:"links"`
	TCP      TCPSpec    `json:"tcp"`
	Programs []Program  `json:"programs"`
	Faults   []Fault    `json:"faults,omitempty"`
}

// NodeSpec is a host or router of the topology.
type NodeSpec struct {
	Name  string   `json:"name"`
	Addrs []string `json:"addrs,omitempty"` // IPv4 and/or IPv6 literals
	Role  string   `json:"role,omitempty"`  // label: "server", "client 1"
	// TCP, on a host, overrides the fields of the scenario's TCP that it
	// sets, for every connection of this host.
	TCP *TCPSpec `json:"tcp,omitempty"`
}

// LinkSpec is a point-to-point link between two nodes. AB applies to
// packets from A to B, BA to the way back.
type LinkSpec struct {
	ID string     `json:"id"`
	A  string     `json:"a"`
	B  string     `json:"b"`
	AB LinkParams `json:"ab"`
	BA LinkParams `json:"ba"`
}

// LinkParams are the impairments of one direction of a link; see
// trace.LinkParams for their meaning.
type LinkParams struct {
	Delay     Duration `json:"delay,omitempty"`
	Jitter    Duration `json:"jitter,omitempty"`
	Bandwidth int64    `json:"bandwidth,omitempty"` // bits per second; 0 = unlimited
	Queue     int      `json:"queue,omitempty"`     // packets; 0 = unbounded
	Loss      float64  `json:"loss,omitempty"`
	Duplicate float64  `json:"duplicate,omitempty"`
	Reorder   float64  `json:"reorder,omitempty"`
	ReorderBy Duration `json:"reorder_by,omitempty"`
	MTU       int      `json:"mtu,omitempty"` // bytes of IP packet; 0 = 1500
}

func (p LinkParams) trace() trace.LinkParams {
	return trace.LinkParams{
		Delay: time.Duration(p.Delay), Jitter: time.Duration(p.Jitter),
		Bandwidth: p.Bandwidth, Queue: p.Queue, Loss: p.Loss, Duplicate: p.Duplicate,
		Reorder: p.Reorder, ReorderBy: time.Duration(p.ReorderBy), MTU: p.MTU,
	}
}

// TCPSpec are TCP parameters. The scenario's "tcp" applies to every host;
// a host's own "tcp" (NodeSpec.TCP) replaces the fields it sets. An unset
// field (zero, or nil for the pointers) takes the profile's value, and
// where the profile sets none the default listed in the package comment.
// Fields a profile turns on are pointers, so that they can be switched off
// explicitly.
type TCPSpec struct {
	// Profile names the TCP a host runs (tcp.ParseProfile): "rfc", the
	// default, is the textbook; "linux" is a Linux 6.x kernel. It is applied
	// first; every field set below overrides it.
	Profile     string    `json:"profile,omitempty"`
	MSS         int       `json:"mss,omitempty"`
	RcvBuf      int       `json:"rcvbuf,omitempty"`
	SndBuf      int       `json:"sndbuf,omitempty"`
	InitialRTO  Duration  `json:"initial_rto,omitempty"`
	MinRTO      Duration  `json:"min_rto,omitempty"`
	MaxRTO      Duration  `json:"max_rto,omitempty"`
	MaxRetries  int       `json:"max_retries,omitempty"`
	SynRetries  int       `json:"syn_retries,omitempty"`
	DelayedAck  *Duration `json:"delayed_ack,omitempty"` // "0s" = ACK every segment at once
	MSL         Duration  `json:"msl,omitempty"`
	InitialCwnd int       `json:"initial_cwnd,omitempty"` // bytes; 0 = the profile's initial window
	// RFC 7323, both off in the rfc profile and on in the linux one.
	// WindowScale is the shift our SYNs offer, 0 to 14, or -1 for no
	// window scale option. Timestamps sends the timestamps option.
	WindowScale *int  `json:"window_scale,omitempty"`
	Timestamps  *bool `json:"timestamps,omitempty"`
	SACK        *bool `json:"sack,omitempty"`     // RFC 2018 SACK and RFC 6675 recovery; off in the rfc profile, on in linux
	RACK        *bool `json:"rack_tlp,omitempty"` // RFC 8985 RACK-TLP, needs SACK; off in the rfc profile, on in linux
	// Congestion is tcp.ParseCongestion's "reno" (the rfc profile's) or
	// "cubic" (RFC 9438, the linux profile's).
	Congestion string `json:"congestion,omitempty"`
}

// noWindowScale is the window_scale that switches the option off.
const noWindowScale = -1

// over returns t with every field that o sets (non-zero, non-nil) taken
// from o: a host's "tcp" over the scenario's. Reflection, so that a field
// added to TCPSpec is covered without a line here.
func (t TCPSpec) over(o TCPSpec) TCPSpec {
	dst, src := reflect.ValueOf(&t).Elem(), reflect.ValueOf(o)
	for i := range src.NumField() {
		if f := src.Field(i); !f.IsZero() {
			dst.Field(i).Set(f)
		}
	}
	return t
}

// profile returns the profile t names. t must be valid.
func (t TCPSpec) profile() tcp.Profile {
	p, _ := tcp.ParseProfile(t.Profile)
	return p
}

// config returns the tcp.Config t describes: its profile's values, then
// every field t sets. t must be valid.
func (t TCPSpec) config() tcp.Config {
	cfg := t.profile().Apply(tcp.Config{})
	setI := func(dst *int, v int) {
		if v != 0 {
			*dst = v
		}
	}
	setD := func(dst *time.Duration, v Duration) {
		if v != 0 {
			*dst = time.Duration(v)
		}
	}
	setI(&cfg.MSS, t.MSS)
	setI(&cfg.RcvBuf, t.RcvBuf)
	setI(&cfg.SndBuf, t.SndBuf)
	setD(&cfg.InitialRTO, t.InitialRTO)
	setD(&cfg.MinRTO, t.MinRTO)
	setD(&cfg.MaxRTO, t.MaxRTO)
	setI(&cfg.MaxRetries, t.MaxRetries)
	setI(&cfg.MaxSynRetries, t.SynRetries)
	setD(&cfg.MSL, t.MSL)
	setI(&cfg.InitialCwnd, t.InitialCwnd)
	if t.DelayedAck != nil {
		cfg.DelayedAck = time.Duration(*t.DelayedAck)
	}
	if t.WindowScale != nil {
		cfg.WindowScale = *t.WindowScale != noWindowScale
		cfg.WScaleShift = max(*t.WindowScale, 0)
	}
	if t.Timestamps != nil {
		cfg.Timestamps = *t.Timestamps
	}
	if t.SACK != nil {
		cfg.SACK = *t.SACK
	}
	if t.RACK != nil {
		cfg.RACK = *t.RACK
	}
	if t.Congestion != "" {
		cfg.Congestion, _ = tcp.ParseCongestion(t.Congestion)
	}
	if t.profile() == tcp.ProfileLinux && t.RcvBuf != 0 && t.WindowScale == nil {
		// Linux offers the shift its buffer needs when the application
		// sets one (SO_RCVBUF), not the one for tcp_rmem's maximum: a
		// 4 KiB buffer offers 0, 1 MiB 5.
		cfg.WScaleShift = min(max(bits.Len(uint(t.RcvBuf))-1-15, 0), 14)
	}
	return cfg
}

// Program is an application started on a host. Which fields matter depends
// on Type; see the package comment for the list of programs.
type Program struct {
	Type       string   `json:"type"`
	Host       string   `json:"host"`
	Start      Duration `json:"start,omitempty"`      // when the program starts
	Port       int      `json:"port,omitempty"`       // servers: the port to bind
	Server     string   `json:"server,omitempty"`     // clients: "node:port", "10.0.0.2:port" or "[fd00::2]:port"
	Messages   []string `json:"messages,omitempty"`   // clients: what to send, in order
	Interval   Duration `json:"interval,omitempty"`   // clients: pause between messages
	Bytes      int      `json:"bytes,omitempty"`      // bulk/deadlock: how much to write
	Chunk      int      `json:"chunk,omitempty"`      // bulk: bytes per write call
	Concurrent bool     `json:"concurrent,omitempty"` // servers: serve clients at once (else one by one)
	Work       Duration `json:"work,omitempty"`       // servers: think time before each reply
	Backlog    int      `json:"backlog,omitempty"`    // servers: listen(backlog); 0 = 5
	Timeout    Duration `json:"timeout,omitempty"`    // UDP clients: give up waiting for a reply (settimeout); 0 = 1s
	Stall      Duration `json:"stall,omitempty"`      // stalled-sink: how long it reads nothing after accepting; 0 = forever
	Records    []string `json:"records,omitempty"`    // dns-server: its zone, one "NAME TYPE VALUE" each (A, AAAA, PTR)
	Name       string   `json:"name,omitempty"`       // info-client: the host name it connects to
	Service    string   `json:"service,omitempty"`    // info-client: the service whose port it looks up; "" = http
	Address    string   `json:"address,omitempty"`    // fcrdns-client: the IP address it checks
}

// Fault is a scripted impairment: it drops, delays or duplicates the
// packet(s) it matches. A fault is evaluated where a packet enters a hop
// (the sending end). Without Link it only looks at a packet's first hop, so
// that a packet forwarded by a router is counted once.
//
// Matching: Packet names a trace packet ID (the renderer's "what if this
// packet is lost?"); otherwise every given criterion must hold and the
// Nth such packet (1-based, default 1) and the Count-1 after it are hit.
type Fault struct {
	Action string   `json:"action"`          // "drop", "delay" or "duplicate"
	Delay  Duration `json:"delay,omitempty"` // delay: the extra one-way delay
	Packet uint64   `json:"packet,omitempty"`
	Proto  string   `json:"proto,omitempty"` // "tcp", "udp" or "icmp"
	// Flags lists TCP flags, e.g. "SYN,ACK". The packet must carry all of
	// them, and none of SYN, FIN, RST, ACK that is not listed (PSH and the
	// others are ignored unless listed): "ACK" matches data segments.
	Flags string `json:"flags,omitempty"`
	Data  bool   `json:"data,omitempty"` // only packets with a payload
	// Seq is a relative TCP sequence number, as Wireshark shows it: the
	// sender's SYN is 0 and the first data byte is 1, so "seq": 1001 is the
	// segment starting at stream byte 1001. 0 = any.
	Seq   uint32 `json:"seq,omitempty"`
	From  string `json:"from,omitempty"` // the host that sent the packet
	To    string `json:"to,omitempty"`   // the host it is addressed to
	Link  string `json:"link,omitempty"` // only on this link ...
	Dir   string `json:"dir,omitempty"`  // ... in this direction: "ab" or "ba"
	Nth   int    `json:"nth,omitempty"`
	Count int    `json:"count,omitempty"`
}

// AddFault appends f to the scenario's scripted faults (the renderer's
// "what if"). Validate with ParseScenario(Encode()) or New.
func (sc *Scenario) AddFault(f Fault) { sc.Faults = append(sc.Faults, f) }

// Clone returns a deep copy, so a "what if" branch does not alter the
// scenario it came from.
func (sc *Scenario) Clone() *Scenario {
	b, err := json.Marshal(sc)
	if err != nil {
		panic("sim: scenario does not encode: " + err.Error()) // all fields are plain data
	}
	var c Scenario
	if err := json.Unmarshal(b, &c); err != nil {
		panic("sim: scenario does not decode: " + err.Error())
	}
	return &c
}

// Limits a scenario must respect; the decoder names the field and the range.
const (
	maxDuration   = time.Hour
	maxLinkDelay  = 10 * time.Second
	maxBandwidth  = 100_000_000_000 // 100 Gb/s
	maxQueue      = 1_000_000
	maxBuf        = 16 << 20
	maxBytes      = 1 << 30
	maxNodes      = 25_000 // a 10,000-flow dumbbell has 20,002
	maxPrograms   = 50_000
	maxMessages   = 1000
	maxMessageLen = 65507 // the largest UDP payload over IPv4
)

// ParseScenario decodes and validates a scenario strictly: unknown fields,
// trailing data and out-of-range values are errors that name the field
// path, e.g. "links[0].ab.loss: 1.5 is out of range [0, 1]".
func ParseScenario(data []byte) (*Scenario, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		return nil, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("scenario: unexpected data after the JSON object")
	}
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	return &sc, nil
}

func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Errorf("%s: want %s, got JSON %s", te.Field, te.Type, te.Value)
	}
	if err == io.EOF {
		return errors.New("scenario: empty document")
	}
	return fmt.Errorf("scenario: %v", err)
}

// Encode writes the scenario in the format ParseScenario reads, indented.
func (sc *Scenario) Encode() ([]byte, error) {
	b, err := json.MarshalIndent(sc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Override changes every direction of every link at once (the CLI's
// --loss, --delay ... flags). Nil fields are left alone.
type Override struct {
	Seed      *uint64
	Delay     *Duration
	Jitter    *Duration
	Bandwidth *int64
	Loss      *float64
	Duplicate *float64
	Reorder   *float64
	// Profile, if set, is the TCP profile of every host ("rfc", "linux"):
	// the scenario's and each host's own profile give way to it, while
	// their explicit settings still apply on top.
	Profile *string
}

// Override applies o and validates the result.
func (sc *Scenario) Override(o Override) error {
	if o.Seed != nil {
		sc.Seed = *o.Seed
	}
	if o.Profile != nil {
		sc.TCP.Profile = *o.Profile
		for _, list := range [][]NodeSpec{sc.Hosts, sc.Routers} {
			for i := range list {
				if t := list[i].TCP; t != nil && t.Profile != "" {
					own := *t // the spec may be shared with the caller's copy
					own.Profile = *o.Profile
					list[i].TCP = &own
				}
			}
		}
	}
	for i := range sc.Links {
		for _, p := range []*LinkParams{&sc.Links[i].AB, &sc.Links[i].BA} {
			if o.Delay != nil {
				p.Delay = *o.Delay
			}
			if o.Jitter != nil {
				p.Jitter = *o.Jitter
			}
			if o.Bandwidth != nil {
				p.Bandwidth = *o.Bandwidth
			}
			if o.Loss != nil {
				p.Loss = *o.Loss
			}
			if o.Duplicate != nil {
				p.Duplicate = *o.Duplicate
			}
			if o.Reorder != nil {
				p.Reorder = *o.Reorder
				if p.ReorderBy == 0 {
					// Held back by one propagation delay (at least 1ms), a
					// packet arrives after the one sent behind it.
					p.ReorderBy = max(p.Delay, Duration(time.Millisecond))
				}
			}
		}
	}
	return sc.Validate()
}

type checker struct{ err error }

func (c *checker) fail(path, format string, a ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("%s: %s", path, fmt.Sprintf(format, a...))
	}
}

func (c *checker) rangeF(path string, v, lo, hi float64) {
	if !(v >= lo && v <= hi) { // also rejects NaN
		c.fail(path, "%s is out of range [%s, %s]", fmtF(v), fmtF(lo), fmtF(hi))
	}
}

func (c *checker) rangeI(path string, v, lo, hi int64) {
	if v < lo || v > hi {
		c.fail(path, "%d is out of range [%d, %d]", v, lo, hi)
	}
}

func (c *checker) rangeD(path string, v Duration, lo, hi time.Duration) {
	if time.Duration(v) < lo || time.Duration(v) > hi {
		c.fail(path, "%v is out of range [%v, %v]", time.Duration(v), lo, hi)
	}
}

func fmtF(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// Validate checks every field and every cross-reference (link ends,
// program hosts, server addresses, fault links).
func (sc *Scenario) Validate() error {
	c := &checker{}
	c.rangeD("duration", sc.Duration, time.Nanosecond, maxDuration)
	if len(sc.Hosts) == 0 {
		c.fail("hosts", "at least one host is required")
	}
	c.rangeI("hosts", int64(len(sc.Hosts)+len(sc.Routers)), 1, maxNodes)
	names := map[string]bool{}
	addrs := map[netip.Addr]string{}
	nodes := func(field string, list []NodeSpec, router bool) {
		for i, n := range list {
			p := fmt.Sprintf("%s[%d]", field, i)
			if n.Name == "" {
				c.fail(p+".name", "a name is required")
			} else if strings.ContainsAny(n.Name, " :[]") {
				c.fail(p+".name", "%q must not contain spaces, ':' or brackets", n.Name)
			} else if names[n.Name] {
				c.fail(p+".name", "%q is used twice", n.Name)
			}
			names[n.Name] = true
			if !router && len(n.Addrs) == 0 {
				c.fail(p+".addrs", "a host needs at least one address")
			}
			for j, s := range n.Addrs {
				a, err := netip.ParseAddr(s)
				ap := fmt.Sprintf("%s.addrs[%d]", p, j)
				switch {
				case err != nil || a.Zone() != "":
					c.fail(ap, "%q is not an IPv4 or IPv6 address", s)
				case a.IsUnspecified() || a.IsMulticast():
					c.fail(ap, "%s is not a unicast address", a)
				case addrs[a] != "":
					c.fail(ap, "%s is already the address of %s", a, addrs[a])
				default:
					addrs[a] = n.Name
				}
			}
		}
	}
	nodes("hosts", sc.Hosts, false)
	nodes("routers", sc.Routers, true)
	links := map[string]bool{}
	for i, l := range sc.Links {
		p := fmt.Sprintf("links[%d]", i)
		if l.ID == "" {
			c.fail(p+".id", "an id is required")
		} else if links[l.ID] {
			c.fail(p+".id", "%q is used twice", l.ID)
		}
		links[l.ID] = true
		if !names[l.A] {
			c.fail(p+".a", "%q is not a host or router", l.A)
		}
		if !names[l.B] {
			c.fail(p+".b", "%q is not a host or router", l.B)
		}
		if l.A == l.B {
			c.fail(p+".b", "a link needs two different ends")
		}
		checkParams(c, p+".ab", l.AB)
		checkParams(c, p+".ba", l.BA)
	}
	checkTCP(c, "tcp", sc.TCP)
	checkRACK(c, "tcp", sc.TCP)
	for i, h := range sc.Hosts {
		if h.TCP != nil {
			checkRACK(c, fmt.Sprintf("hosts[%d].tcp", i), sc.TCP.over(*h.TCP))
		}
		if h.TCP == nil {
			checkRcvBuf(c, "tcp.rcvbuf", sc.TCP.RcvBuf, sc.TCP, "")
			continue
		}
		p := fmt.Sprintf("hosts[%d].tcp", i)
		checkTCP(c, p, *h.TCP)
		if h.TCP.RcvBuf != 0 {
			checkRcvBuf(c, p+".rcvbuf", h.TCP.RcvBuf, sc.TCP.over(*h.TCP), "")
		} else {
			checkRcvBuf(c, "tcp.rcvbuf", sc.TCP.RcvBuf, sc.TCP.over(*h.TCP), p)
		}
	}
	for i, r := range sc.Routers {
		if r.TCP != nil {
			c.fail(fmt.Sprintf("routers[%d].tcp", i), "a router runs no TCP; give the hosts their tcp")
		}
	}
	c.rangeI("programs", int64(len(sc.Programs)), 0, maxPrograms)
	hosts := map[string]bool{}
	for _, h := range sc.Hosts {
		hosts[h.Name] = true
	}
	servers := serverAddrs(sc)
	for i, pr := range sc.Programs {
		checkProgram(c, fmt.Sprintf("programs[%d]", i), pr, hosts, servers)
	}
	for i, f := range sc.Faults {
		checkFault(c, fmt.Sprintf("faults[%d]", i), f, hosts, links)
	}
	return c.err
}

// checkTCP checks the ranges of the fields t sets; p is its field path.
func checkTCP(c *checker, p string, t TCPSpec) {
	if _, err := tcp.ParseProfile(t.Profile); err != nil {
		c.fail(p+".profile", "%v", err)
	}
	if _, err := tcp.ParseCongestion(t.Congestion); err != nil {
		c.fail(p+".congestion", "%v", err)
	}
	if t.MSS != 0 {
		c.rangeI(p+".mss", int64(t.MSS), 64, 65495)
	}
	if t.WindowScale != nil && (*t.WindowScale < noWindowScale || *t.WindowScale > 14) { // RFC 7323 §2.3
		c.fail(p+".window_scale", "%d is out of range: give a shift 0 … 14, or -1 for no window scale option", *t.WindowScale)
	}
	c.rangeI(p+".rcvbuf", int64(t.RcvBuf), 0, maxBuf)
	c.rangeI(p+".sndbuf", int64(t.SndBuf), 0, maxBuf)
	c.rangeD(p+".initial_rto", t.InitialRTO, 0, time.Minute)
	c.rangeD(p+".min_rto", t.MinRTO, 0, time.Minute)
	c.rangeD(p+".max_rto", t.MaxRTO, 0, 10*time.Minute)
	c.rangeI(p+".max_retries", int64(t.MaxRetries), 0, 100)
	c.rangeI(p+".syn_retries", int64(t.SynRetries), 0, 100)
	if t.DelayedAck != nil {
		c.rangeD(p+".delayed_ack", *t.DelayedAck, 0, 500*time.Millisecond)
	}
	c.rangeD(p+".msl", t.MSL, 0, 2*time.Minute)
	c.rangeI(p+".initial_cwnd", int64(t.InitialCwnd), 0, 1<<20)
}

// checkRACK checks that RACK-TLP, if the TCP eff (at field path p) asks
// for it, has SACK too: it detects losses from SACK blocks. (The linux
// profile's RACK-TLP with "sack": false is simply off.)
func checkRACK(c *checker, p string, eff TCPSpec) {
	if eff.RACK != nil && *eff.RACK && !eff.config().SACK {
		c.fail(p+".rack_tlp", "needs SACK: set \"sack\": true as well (RACK-TLP detects losses from SACK blocks)")
	}
}

// checkRcvBuf checks that rcvbuf, set at field path p, fits in the windows
// a host whose TCP is eff can advertise. host is the path of the host's
// own tcp when the rcvbuf is the scenario's and the host changed the
// window scaling under it.
func checkRcvBuf(c *checker, p string, rcvbuf int, eff TCPSpec, host string) {
	cfg := eff.config()
	limit := 65535 // the largest window a 16-bit field can say
	if cfg.WindowScale {
		limit = min(65535<<cfg.WScaleShift, maxBuf)
	}
	switch {
	case rcvbuf <= limit:
	case host != "":
		c.fail(host, "this host advertises windows of at most %d (window_scale), so %s %d is too big: set rcvbuf or window_scale here", limit, p, rcvbuf)
	case !cfg.WindowScale:
		c.fail(p, "%d needs window scaling (\"window_scale\"): without it a window is at most 65535", rcvbuf)
	default:
		c.rangeI(p, int64(rcvbuf), 0, int64(limit))
	}
}

func checkParams(c *checker, p string, lp LinkParams) {
	c.rangeD(p+".delay", lp.Delay, 0, maxLinkDelay)
	c.rangeD(p+".jitter", lp.Jitter, 0, maxLinkDelay)
	c.rangeI(p+".bandwidth", lp.Bandwidth, 0, maxBandwidth)
	c.rangeI(p+".queue", int64(lp.Queue), 0, maxQueue)
	c.rangeF(p+".loss", lp.Loss, 0, 1)
	c.rangeF(p+".duplicate", lp.Duplicate, 0, 1)
	c.rangeF(p+".reorder", lp.Reorder, 0, 1)
	c.rangeD(p+".reorder_by", lp.ReorderBy, 0, maxLinkDelay)
	if lp.MTU != 0 {
		c.rangeI(p+".mtu", int64(lp.MTU), 68, 65535)
	}
}

func checkProgram(c *checker, p string, pr Program, hosts map[string]bool, servers map[string]string) {
	info, ok := programTypes[pr.Type]
	if !ok {
		c.fail(p+".type", "unknown program %q (one of %s)", pr.Type, strings.Join(programTypeNames(), ", "))
		return
	}
	if !hosts[pr.Host] {
		c.fail(p+".host", "%q is not a host", pr.Host)
	}
	c.rangeD(p+".start", pr.Start, 0, maxDuration)
	c.rangeD(p+".interval", pr.Interval, 0, maxDuration)
	c.rangeD(p+".work", pr.Work, 0, maxDuration)
	c.rangeD(p+".timeout", pr.Timeout, 0, maxDuration)
	c.rangeD(p+".stall", pr.Stall, 0, maxDuration)
	c.rangeI(p+".backlog", int64(pr.Backlog), 0, 1024)
	c.rangeI(p+".bytes", int64(pr.Bytes), 0, maxBytes)
	c.rangeI(p+".chunk", int64(pr.Chunk), 0, maxBuf)
	c.rangeI(p+".messages", int64(len(pr.Messages)), 0, maxMessages)
	for j, m := range pr.Messages {
		if len(m) > maxMessageLen {
			c.fail(fmt.Sprintf("%s.messages[%d]", p, j), "%d bytes is more than %d", len(m), maxMessageLen)
		}
	}
	if info.server {
		c.rangeI(p+".port", int64(pr.Port), 1, 65535)
	} else {
		c.rangeI(p+".port", int64(pr.Port), 0, 65535)
	}
	if info.client {
		if _, err := resolve(servers, pr.Server); err != nil {
			c.fail(p+".server", "%v", err)
		}
	}
	if info.needBytes && pr.Bytes == 0 {
		c.fail(p+".bytes", "0 is out of range [1, %d]", maxBytes)
	}
	if info.paced && pr.Chunk == 0 {
		c.fail(p+".chunk", "0 is out of range [1, %d]: give the size of each write", maxBuf)
	}
	if info.check != nil {
		info.check(c, p, pr)
	}
	if info.paced && pr.Interval == 0 {
		c.fail(p+".interval", "0s is out of range [1ns, %v]: give the pause between writes", maxDuration)
	}
}

func checkFault(c *checker, p string, f Fault, hosts, links map[string]bool) {
	switch f.Action {
	case "drop", "duplicate":
	case "delay":
		c.rangeD(p+".delay", f.Delay, time.Nanosecond, maxLinkDelay)
	default:
		c.fail(p+".action", "%q is not one of drop, delay, duplicate", f.Action)
	}
	switch f.Proto {
	case "", "tcp", "udp", "icmp":
	default:
		c.fail(p+".proto", "%q is not one of tcp, udp, icmp", f.Proto)
	}
	if _, err := parseFlags(f.Flags); err != nil {
		c.fail(p+".flags", "%v", err)
	}
	if f.From != "" && !hosts[f.From] {
		c.fail(p+".from", "%q is not a host", f.From)
	}
	if f.To != "" && !hosts[f.To] {
		c.fail(p+".to", "%q is not a host", f.To)
	}
	if f.Link != "" && !links[f.Link] {
		c.fail(p+".link", "%q is not a link", f.Link)
	}
	switch f.Dir {
	case "":
	case "ab", "ba":
		if f.Link == "" {
			c.fail(p+".dir", "needs a link")
		}
	default:
		c.fail(p+".dir", "%q is not ab or ba", f.Dir)
	}
	c.rangeI(p+".nth", int64(f.Nth), 0, 1<<30)
	c.rangeI(p+".count", int64(f.Count), 0, 1<<30)
	if f.Packet == 0 && f.Proto == "" && f.Flags == "" && !f.Data && f.Seq == 0 &&
		f.From == "" && f.To == "" && f.Link == "" && f.Nth == 0 {
		c.fail(p, "a fault must say which packet: packet, proto, flags, data, seq, from, to, link or nth")
	}
}

// parseFlags reads "SYN,ACK" (any order, case-insensitive, spaces allowed).
// The names are trace.TCPFlags' own, so the two can never disagree.
func parseFlags(s string) (trace.TCPFlags, error) {
	var f trace.TCPFlags
	if s == "" {
		return 0, nil
	}
next:
	for _, name := range strings.Split(s, ",") {
		want := strings.ToUpper(strings.TrimSpace(name))
		for bit := trace.FlagFIN; bit != 0; bit <<= 1 {
			if bit.String() == want {
				f |= bit
				continue next
			}
		}
		return 0, fmt.Errorf("%q is not a TCP flag (SYN, ACK, FIN, RST, PSH, URG, ECE, CWR)", name)
	}
	return f, nil
}

// resolve turns "node:port", "10.0.0.2:port" or "[fd00::2]:port" into an
// address. A node name resolves to its first address.
func resolve(servers map[string]string, s string) (netip.AddrPort, error) {
	if s == "" {
		return netip.AddrPort{}, errors.New("a server address is required, e.g. \"server:21567\"")
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		if ap.Port() == 0 {
			return ap, fmt.Errorf("%q: port 0 is not a server port", s)
		}
		return ap, nil
	}
	host, port, ok := strings.Cut(s, ":")
	pn, err := strconv.ParseUint(port, 10, 16)
	if !ok || err != nil || pn == 0 {
		return netip.AddrPort{}, fmt.Errorf("%q is not node:port or address:port", s)
	}
	if addr, ok := servers[host]; ok {
		a, err := netip.ParseAddr(addr)
		if err != nil {
			return netip.AddrPort{}, fmt.Errorf("%q: host %s has a bad address", s, host)
		}
		return netip.AddrPortFrom(a, uint16(pn)), nil
	}
	return netip.AddrPort{}, fmt.Errorf("%q: no host named %q", s, host)
}

// serverAddrs maps each host name to the address a program's "server"
// naming it resolves to: the first address of the first host of that name
// that has one.
func serverAddrs(sc *Scenario) map[string]string {
	m := make(map[string]string, len(sc.Hosts))
	for _, h := range sc.Hosts {
		if _, ok := m[h.Name]; !ok && len(h.Addrs) > 0 {
			m[h.Name] = h.Addrs[0]
		}
	}
	return m
}
