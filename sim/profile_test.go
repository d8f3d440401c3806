package sim

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"socketlab/sim/tcp"
	"socketlab/sim/trace"
)

// synOptions describes the options of the first SYN each host sent:
// "client: mss=1460 ws=10 ts sack win=65535" (fields absent when the option is).
func synOptions(tr *trace.Trace) string {
	var out []string
	seen := map[string]bool{}
	for _, e := range events(tr, trace.KindSend) {
		p := &e.Packet
		if p.Proto != trace.ProtoTCP || p.Flags&trace.FlagSYN == 0 || seen[e.Node] {
			continue
		}
		seen[e.Node] = true
		s := e.Node + ": mss=" + itoa(int(p.MSS))
		if p.Opts&trace.OptWScale != 0 {
			s += " ws=" + itoa(int(p.WScale))
		}
		if p.Opts&trace.OptTimestamps != 0 {
			s += " ts"
		}
		if p.Opts&trace.OptSACKPerm != 0 {
			s += " sack"
		}
		out = append(out, s+" win="+itoa(int(p.Window)))
	}
	return strings.Join(out, "; ")
}

func itoa(n int) string { return strconv.Itoa(n) }

// handshakeRun runs a timestamp client and server over twoHosts with the
// given TCP settings: the scenario's, then per host (nil = none).
func handshakeRun(t *testing.T, all TCPSpec, client, server *TCPSpec) *trace.Trace {
	t.Helper()
	d := LinkParams{Delay: Duration(10 * time.Millisecond)}
	sc := twoHosts(d, d)
	sc.TCP = all
	sc.Hosts[0].TCP, sc.Hosts[1].TCP = client, server
	sc.Programs = []Program{
		{Type: "tcp-timestamp-server", Host: "server", Port: 80},
		{Type: "tcp-timestamp-client", Host: "client", Server: "server:80"},
	}
	s, tr := mustNew(t, sc)
	s.RunUntil(time.Second)
	return tr
}

func hostTCP(tr *trace.Trace) string {
	var out []string
	for _, n := range tr.Header.Nodes {
		out = append(out, n.Name+"="+n.TCP)
	}
	return strings.Join(out, " ")
}

// The profile decides the SYN's options, and the header says which TCP
// each host runs.
func TestScenarioProfile(t *testing.T) {
	for _, tc := range []struct {
		profile, syns, nodes string
	}{
		{"", "client: mss=1460 win=65535; server: mss=1460 win=65535", "client=rfc server=rfc"},
		{"rfc", "client: mss=1460 win=65535; server: mss=1460 win=65535", "client=rfc server=rfc"},
		{"linux", "client: mss=1460 ws=10 ts sack win=65535; server: mss=1460 ws=10 ts sack win=65535", "client=linux server=linux"},
	} {
		tr := handshakeRun(t, TCPSpec{Profile: tc.profile}, nil, nil)
		if got := synOptions(tr); got != tc.syns {
			t.Errorf("profile %q: SYNs %s, want %s", tc.profile, got, tc.syns)
		}
		if got := hostTCP(tr); got != tc.nodes {
			t.Errorf("profile %q: nodes %s, want %s", tc.profile, got, tc.nodes)
		}
	}
}

// Under the linux profile every option it turns on can be turned off.
func TestScenarioProfileSwitchOff(t *testing.T) {
	off, none := false, noWindowScale
	tr := handshakeRun(t, TCPSpec{Profile: "linux", Timestamps: &off}, nil, nil)
	if got, want := synOptions(tr), "client: mss=1460 ws=10 sack win=65535; server: mss=1460 ws=10 sack win=65535"; got != want {
		t.Errorf("timestamps off: %s, want %s", got, want)
	}
	tr = handshakeRun(t, TCPSpec{Profile: "linux", WindowScale: &none}, nil, nil)
	if got, want := synOptions(tr), "client: mss=1460 ts sack win=65535; server: mss=1460 ts sack win=65535"; got != want {
		t.Errorf("window scale off: %s, want %s", got, want)
	}
	tr = handshakeRun(t, TCPSpec{Profile: "linux", SACK: &off}, nil, nil)
	if got, want := synOptions(tr), "client: mss=1460 ws=10 ts win=65535; server: mss=1460 ws=10 ts win=65535"; got != want {
		t.Errorf("sack off: %s, want %s", got, want)
	}
}

// A host's own tcp: a linux client offers its options to an rfc server,
// which offers none back; a server's rcvbuf is its advertised window.
func TestHostTCP(t *testing.T) {
	tr := handshakeRun(t, TCPSpec{}, &TCPSpec{Profile: "linux"}, nil)
	if got, want := synOptions(tr), "client: mss=1460 ws=10 ts sack win=65535; server: mss=1460 win=65535"; got != want {
		t.Errorf("linux client, rfc server: %s, want %s", got, want)
	}
	if got, want := hostTCP(tr), "client=linux server=rfc"; got != want {
		t.Errorf("nodes %s, want %s", got, want)
	}
	// The other way round, and the server's profile from the scenario.
	tr = handshakeRun(t, TCPSpec{Profile: "linux"}, &TCPSpec{Profile: "rfc"}, nil)
	if got, want := synOptions(tr), "client: mss=1460 win=65535; server: mss=1460 win=65535"; got != want {
		t.Errorf("rfc client, linux server: %s, want %s", got, want)
	}
	if got, want := hostTCP(tr), "client=rfc server=linux"; got != want {
		t.Errorf("nodes %s, want %s", got, want)
	}

	tr = handshakeRun(t, TCPSpec{RcvBuf: 30000}, nil, &TCPSpec{RcvBuf: 20000})
	if got, want := synOptions(tr), "client: mss=1460 win=30000; server: mss=1460 win=20000"; got != want {
		t.Errorf("per-host rcvbuf: %s, want %s", got, want)
	}
	// Later windows are the free part of each side's own buffer.
	for _, e := range events(tr, trace.KindSend) {
		w := int(e.Packet.Window)
		if e.Packet.Proto == trace.ProtoTCP && (e.Node == "server" && w > 20000 || e.Node == "client" && (w > 30000 || w <= 20000)) {
			t.Errorf("%s advertised %d: %+v", e.Node, w, e.Packet)
		}
	}
}

// Every field a host sets replaces the scenario's; every field it leaves
// unset keeps it. Reflection, so a field added to TCPSpec is covered.
func TestTCPSpecOver(t *testing.T) {
	var base, host TCPSpec
	bv, hv := reflect.ValueOf(&base).Elem(), reflect.ValueOf(&host).Elem()
	for i := range bv.NumField() {
		setDistinct(t, bv.Field(i), 1)
		if i%2 == 0 { // the host sets every other field
			setDistinct(t, hv.Field(i), 2)
		}
	}
	got := reflect.ValueOf(base.over(host))
	for i := range bv.NumField() {
		want := bv.Field(i)
		if i%2 == 0 {
			want = hv.Field(i)
		}
		if !reflect.DeepEqual(got.Field(i).Interface(), want.Interface()) {
			t.Errorf("%s: got %v, want %v", bv.Type().Field(i).Name, got.Field(i), want)
		}
	}
	if got := base.over(TCPSpec{}); !reflect.DeepEqual(got, base) {
		t.Errorf("an empty host tcp changed the scenario's: %+v", got)
	}
}

// setDistinct puts a non-zero value depending on n into f.
func setDistinct(t *testing.T, f reflect.Value, n int) {
	switch f.Kind() {
	case reflect.String:
		f.SetString(strings.Repeat("x", n))
	case reflect.Int, reflect.Int64:
		f.SetInt(int64(n))
	case reflect.Bool:
		f.SetBool(true)
	case reflect.Pointer:
		p := reflect.New(f.Type().Elem())
		setDistinct(t, p.Elem(), n)
		if p.Elem().Kind() == reflect.Bool && n == 2 {
			p.Elem().SetBool(false) // a host switching off what the scenario turned on
		}
		f.Set(p)
	default:
		t.Fatalf("setDistinct: no value for a %v", f.Type())
	}
}

// config: the profile first, then each set field over it; unset fields
// keep the profile's values.
func TestTCPSpecConfig(t *testing.T) {
	d := func(v time.Duration) *Duration { x := Duration(v); return &x }
	off, on, ws0, wsNone := false, true, 0, noWindowScale
	linux := tcp.ProfileLinux.Apply(tcp.Config{})
	for _, tc := range []struct {
		name string
		spec TCPSpec
		want func(*tcp.Config)
	}{
		{"rfc, nothing set", TCPSpec{}, func(c *tcp.Config) { *c = tcp.Config{} }},
		{"linux, nothing set", TCPSpec{Profile: "linux"}, func(*tcp.Config) {}},
		{"mss", TCPSpec{Profile: "linux", MSS: 536}, func(c *tcp.Config) { c.MSS = 536 }},
		// A buffer the application sets gets the shift it needs (Linux's
		// SO_RCVBUF): 1 MiB 5, 4 KiB 0; an explicit window_scale wins.
		{"rcvbuf", TCPSpec{Profile: "linux", RcvBuf: 1 << 20}, func(c *tcp.Config) { c.RcvBuf, c.WScaleShift = 1<<20, 5 }},
		{"rcvbuf 4 KiB", TCPSpec{Profile: "linux", RcvBuf: 4096}, func(c *tcp.Config) { c.RcvBuf, c.WScaleShift = 4096, 0 }},
		{"rcvbuf and window_scale", TCPSpec{Profile: "linux", RcvBuf: 1 << 20, WindowScale: &ws0}, func(c *tcp.Config) { c.RcvBuf, c.WScaleShift = 1<<20, 0 }},
		{"rcvbuf on rfc", TCPSpec{RcvBuf: 4096}, func(c *tcp.Config) { *c = tcp.Config{RcvBuf: 4096} }},
		{"sndbuf", TCPSpec{Profile: "linux", SndBuf: 4096}, func(c *tcp.Config) { c.SndBuf = 4096 }},
		{"initial_rto", TCPSpec{Profile: "linux", InitialRTO: Duration(3 * time.Second)}, func(c *tcp.Config) { c.InitialRTO = 3 * time.Second }},
		{"min_rto", TCPSpec{Profile: "linux", MinRTO: Duration(time.Second)}, func(c *tcp.Config) { c.MinRTO = time.Second }},
		{"max_rto", TCPSpec{Profile: "linux", MaxRTO: Duration(time.Minute)}, func(c *tcp.Config) { c.MaxRTO = time.Minute }},
		{"max_retries", TCPSpec{Profile: "linux", MaxRetries: 3}, func(c *tcp.Config) { c.MaxRetries = 3 }},
		{"syn_retries", TCPSpec{Profile: "linux", SynRetries: 2}, func(c *tcp.Config) { c.MaxSynRetries = 2 }},
		{"delayed_ack 0s", TCPSpec{Profile: "linux", DelayedAck: d(0)}, func(c *tcp.Config) { c.DelayedAck = 0 }},
		{"delayed_ack", TCPSpec{DelayedAck: d(200 * time.Millisecond)}, func(c *tcp.Config) { *c = tcp.Config{DelayedAck: 200 * time.Millisecond} }},
		{"msl", TCPSpec{Profile: "linux", MSL: Duration(time.Second)}, func(c *tcp.Config) { c.MSL = time.Second }},
		{"initial_cwnd", TCPSpec{Profile: "linux", InitialCwnd: 3000}, func(c *tcp.Config) { c.InitialCwnd = 3000 }},
		{"window_scale 0", TCPSpec{Profile: "linux", WindowScale: &ws0}, func(c *tcp.Config) { c.WScaleShift = 0 }},
		{"window_scale -1", TCPSpec{Profile: "linux", WindowScale: &wsNone}, func(c *tcp.Config) { c.WindowScale, c.WScaleShift = false, 0 }},
		{"window_scale on rfc", TCPSpec{WindowScale: &ws0}, func(c *tcp.Config) { *c = tcp.Config{WindowScale: true} }},
		{"timestamps off", TCPSpec{Profile: "linux", Timestamps: &off}, func(c *tcp.Config) { c.Timestamps = false }},
		{"timestamps on rfc", TCPSpec{Timestamps: &on}, func(c *tcp.Config) { *c = tcp.Config{Timestamps: true} }},
		{"sack off", TCPSpec{Profile: "linux", SACK: &off}, func(c *tcp.Config) { c.SACK = false }},
		{"sack on rfc", TCPSpec{SACK: &on}, func(c *tcp.Config) { *c = tcp.Config{SACK: true} }},
		{"congestion reno", TCPSpec{Profile: "linux", Congestion: "reno"}, func(c *tcp.Config) { c.Congestion = tcp.CongestionReno }},
		{"congestion cubic on rfc", TCPSpec{Congestion: "cubic"}, func(c *tcp.Config) { *c = tcp.Config{Congestion: tcp.CongestionCUBIC} }},
	} {
		want := linux
		tc.want(&want)
		if got := tc.spec.config(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, want)
		}
	}
}

func TestScenarioTCPErrors(t *testing.T) {
	host := func(i int, tcp string) string {
		name := `"name": "a"`
		if i == 1 {
			name = `"name": "b"`
		}
		return edit(name, name+`, "tcp": `+tcp)
	}
	for _, tc := range []struct{ doc, want string }{
		{edit(`"tcp": {}`, `"tcp": {"profile": "bsd"}`), `tcp.profile: "bsd" is not a TCP profile (rfc, linux)`},
		{host(1, `{"profile": "Linux"}`), `hosts[1].tcp.profile: "Linux" is not a TCP profile (rfc, linux)`},
		{host(0, `{"mss": 10}`), "hosts[0].tcp.mss: 10 is out of range [64, 65495]"},
		{edit(`"tcp": {}`, `"tcp": {"congestion": "bbr"}`), `tcp.congestion: "bbr" is not a congestion control (reno, cubic)`},
		{host(1, `{"congestion": "CUBIC"}`), `hosts[1].tcp.congestion: "CUBIC" is not a congestion control (reno, cubic)`},
		{host(1, `{"delayed_ack": "1s"}`), "hosts[1].tcp.delayed_ack: 1s is out of range [0s, 500ms]"},
		{host(1, `{"window_scale": 15}`), "hosts[1].tcp.window_scale: 15 is out of range: give a shift 0 … 14, or -1 for no window scale option"},
		{host(1, `{"rcvbuf": 100000}`), `hosts[1].tcp.rcvbuf: 100000 needs window scaling ("window_scale"): without it a window is at most 65535`},
		{host(1, `{"rcvbuf": 20000000}`), `hosts[1].tcp.rcvbuf: 20000000 is out of range [0, 16777216]`},
		// linux scales by 10, so it may use the largest buffer; with a
		// smaller shift the buffer is the limit: 65535 << 5 = 2097120.
		{edit(`"tcp": {}`, `"tcp": {"profile": "linux", "rcvbuf": 16777216}`), ""},
		{edit(`"tcp": {}`, `"tcp": {"profile": "linux", "window_scale": 5, "rcvbuf": 3000000}`), "tcp.rcvbuf: 3000000 is out of range [0, 2097120]"},
		{edit(`"tcp": {}`, `"tcp": {"profile": "linux", "window_scale": -1, "rcvbuf": 100000}`), `tcp.rcvbuf: 100000 needs window scaling ("window_scale"): without it a window is at most 65535`},
		{edit(`"tcp": {}`, `"tcp": {"profile": "linux", "rcvbuf": 100000}`) + "", ""},
		{host(1, `{"profile": "linux", "rcvbuf": 100000}`), ""},
		// The scenario's buffer, too big for the windows a host chose.
		{strings.Replace(host(1, `{"profile": "rfc"}`), `"tcp": {}`, `"tcp": {"profile": "linux", "rcvbuf": 100000}`, 1),
			"hosts[1].tcp: this host advertises windows of at most 65535 (window_scale), so tcp.rcvbuf 100000 is too big: set rcvbuf or window_scale here"},
		{strings.Replace(host(0, `{"window_scale": 1}`), `"tcp": {}`, `"tcp": {"profile": "linux", "rcvbuf": 200000}`, 1),
			"hosts[0].tcp: this host advertises windows of at most 131070 (window_scale), so tcp.rcvbuf 200000 is too big: set rcvbuf or window_scale here"},
		{strings.Replace(minimal, `"links"`, `"routers": [{"name": "r", "tcp": {}}], "links"`, 1), "routers[0].tcp: a router runs no TCP; give the hosts their tcp"},
	} {
		_, err := ParseScenario([]byte(tc.doc))
		if tc.want == "" {
			if err != nil {
				t.Errorf("unexpected error %v in\n%s", err, tc.doc)
			}
			continue
		}
		if err == nil || err.Error() != tc.want {
			t.Errorf("got error %v\nwant       %s", err, tc.want)
		}
	}
}

// Old scenarios read as before: "timestamps": true and "delayed_ack"
// are values, and absent fields stay absent when encoded.
func TestScenarioTCPCompatible(t *testing.T) {
	sc, err := ParseScenario([]byte(edit(`"tcp": {}`, `"tcp": {"timestamps": true, "delayed_ack": "40ms", "window_scale": 7}`)))
	if err != nil {
		t.Fatal(err)
	}
	cfg := sc.TCP.config()
	if !cfg.Timestamps || cfg.DelayedAck != 40*time.Millisecond || !cfg.WindowScale || cfg.WScaleShift != 7 {
		t.Fatalf("config %+v", cfg)
	}
	enc, err := sc.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if want := `"tcp": {
    "delayed_ack": "40ms",
    "window_scale": 7,
    "timestamps": true
  }`; !strings.Contains(string(enc), want) {
		t.Fatalf("encoded:\n%s\nwant it to contain\n%s", enc, want)
	}
	sc, _ = ParseScenario([]byte(minimal))
	enc, _ = sc.Encode()
	if !strings.Contains(string(enc), `"tcp": {}`) {
		t.Fatalf("an empty tcp encodes as:\n%s", enc)
	}
}
