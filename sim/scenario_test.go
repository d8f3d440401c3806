package sim

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

const minimal = `{
  "seed": 1, "duration": "1s",
  "hosts": [{"name": "a", "addrs": ["10.0.0.1"]}, {"name": "b", "addrs": ["10.0.0.2"]}],
  "links": [{"id": "l", "a": "a", "b": "b", "ab": {"delay": "10ms"}, "ba": {}}],
  "tcp": {},
  "programs": [{"type": "udp-echo-server", "host": "b", "port": 7},
               {"type": "udp-echo-client", "host": "a", "server": "b:7"}]
}`

func TestParseScenarioMinimal(t *testing.T) {
	sc, err := ParseScenario([]byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Links[0].AB.Delay != Duration(10*time.Millisecond) || sc.Programs[1].Server != "b:7" {
		t.Fatalf("decoded %+v", sc)
	}
	enc, err := sc.Encode()
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseScenario(enc)
	if err != nil {
		t.Fatalf("Encode output does not parse: %v\n%s", err, enc)
	}
	enc2, _ := again.Encode()
	if !bytes.Equal(enc, enc2) {
		t.Fatalf("Encode is not stable:\n%s\n%s", enc, enc2)
	}
	if !strings.Contains(string(enc), `"delay": "10ms"`) {
		t.Errorf("durations are not written as strings:\n%s", enc)
	}
}

// edit replaces old with new in the minimal scenario.
func edit(old, new string) string {
	if !strings.Contains(minimal, old) {
		panic("edit: " + old)
	}
	return strings.Replace(minimal, old, new, 1)
}

func TestParseScenarioErrors(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{edit(`"ab": {"delay": "10ms"}`, `"ab": {"loss": 1.5}`), "links[0].ab.loss: 1.5 is out of range [0, 1]"},
		{edit(`"ba": {}`, `"ba": {"duplicate": -0.1}`), "links[0].ba.duplicate: -0.1 is out of range [0, 1]"},
		{edit(`"ab": {"delay": "10ms"}`, `"ab": {"delay": "11s"}`), "links[0].ab.delay: 11s is out of range [0s, 10s]"},
		{edit(`"ab": {"delay": "10ms"}`, `"ab": {"delay": "ten"}`), `scenario: bad duration "ten" (want e.g. "10ms", "1.5s")`},
		{edit(`"ab": {"delay": "10ms"}`, `"ab": {"delay": 10}`), `scenario: want a duration string such as "10ms", got 10`},
		{edit(`"ab": {"delay": "10ms"}`, `"ab": {"mtu": 20}`), "links[0].ab.mtu: 20 is out of range [68, 65535]"},
		{edit(`"ab": {"delay": "10ms"}`, `"ab": {"lossy": 1}`), `scenario: json: unknown field "lossy"`},
		{edit(`"ab": {"delay": "10ms"}`, `"ab": {"queue": "big"}`), "links.ab.queue: want int, got JSON string"},
		{edit(`"duration": "1s"`, `"duration": "0s"`), "duration: 0s is out of range [1ns, 1h0m0s]"},
		{edit(`"b": "b", "ab"`, `"b": "c", "ab"`), `links[0].b: "c" is not a host or router`},
		{edit(`"b": "b", "ab"`, `"b": "a", "ab"`), "links[0].b: a link needs two different ends"},
		{edit(`"10.0.0.2"`, `"10.0.0.1"`), "hosts[1].addrs[0]: 10.0.0.1 is already the address of a"},
		{edit(`"10.0.0.2"`, `"10.0.0.300"`), `hosts[1].addrs[0]: "10.0.0.300" is not an IPv4 or IPv6 address`},
		{edit(`"name": "b"`, `"name": "a"`), `hosts[1].name: "a" is used twice`},
		{edit(`"tcp": {}`, `"tcp": {"rcvbuf": 100000}`), `tcp.rcvbuf: 100000 needs window scaling ("window_scale"): without it a window is at most 65535`},
		{edit(`"tcp": {}`, `"tcp": {"rcvbuf": 100000, "window_scale": 0}`), "tcp.rcvbuf: 100000 is out of range [0, 65535]"},
		{edit(`"tcp": {}`, `"tcp": {"rcvbuf": 1048576, "window_scale": 3}`), "tcp.rcvbuf: 1048576 is out of range [0, 524280]"},
		{edit(`"tcp": {}`, `"tcp": {"rack_tlp": true}`), `tcp.rack_tlp: needs SACK: set "sack": true as well (RACK-TLP detects losses from SACK blocks)`},
		{edit(`"name": "a"`, `"name": "a", "tcp": {"profile": "linux", "sack": false, "rack_tlp": true}`), `hosts[0].tcp.rack_tlp: needs SACK: set "sack": true as well (RACK-TLP detects losses from SACK blocks)`},
		{edit(`"tcp": {}`, `"tcp": {"window_scale": 15}`), "tcp.window_scale: 15 is out of range: give a shift 0 … 14, or -1 for no window scale option"},
		{edit(`"tcp": {}`, `"tcp": {"window_scale": -2}`), "tcp.window_scale: -2 is out of range: give a shift 0 … 14, or -1 for no window scale option"},
		{edit(`"tcp": {}`, `"tcp": {"timestamps": 1}`), "tcp.timestamps: want bool, got JSON number"},
		{edit(`"tcp": {}`, `"tcp": {"mss": 10}`), "tcp.mss: 10 is out of range [64, 65495]"},
		{edit(`"port": 7}`, `"port": 70000}`), "programs[0].port: 70000 is out of range [1, 65535]"},
		{edit(`"udp-echo-server"`, `"udp-echo-srv"`), `programs[0].type: unknown program "udp-echo-srv" (one of bulk-sender, bulk-sink, deadlock-client, deadlock-server, dns-server, fcrdns-client, info-client, paced-sender, stalled-sink, tcp-halfclose-client, tcp-hold-client, tcp-hold-server, tcp-line-client, tcp-line-server, tcp-readall-server, tcp-timestamp-client, tcp-timestamp-server, udp-echo-client, udp-echo-server, udp-timestamp-client, udp-timestamp-server)`},
		{edit(`"server": "b:7"`, `"server": "c:7"`), `programs[1].server: "c:7": no host named "c"`},
		{edit(`"server": "b:7"`, `"server": "b"`), `programs[1].server: "b" is not node:port or address:port`},
		{edit(`"host": "a", "server"`, `"host": "nobody", "server"`), `programs[1].host: "nobody" is not a host`},
		{edit(`"tcp": {}`, `"tcp": {}, "faults": [{"action": "drop", "link": "x"}]`), `faults[0].link: "x" is not a link`},
		{edit(`"tcp": {}`, `"tcp": {}, "faults": [{"action": "lose", "nth": 1}]`), `faults[0].action: "lose" is not one of drop, delay, duplicate`},
		{edit(`"tcp": {}`, `"tcp": {}, "faults": [{"action": "drop", "flags": "SYN,FOO"}]`), `faults[0].flags: "FOO" is not a TCP flag (SYN, ACK, FIN, RST, PSH, URG, ECE, CWR)`},
		{edit(`"tcp": {}`, `"tcp": {}, "faults": [{"action": "drop"}]`), "faults[0]: a fault must say which packet: packet, proto, flags, data, seq, from, to, link or nth"},
		{edit(`"tcp": {}`, `"tcp": {}, "faults": [{"action": "delay", "flags": "SYN"}]`), "faults[0].delay: 0s is out of range [1ns, 10s]"},
		{minimal + "{}", "scenario: unexpected data after the JSON object"},
		{"", "scenario: empty document"},
		{"[1]", "scenario: json: cannot unmarshal array into Go value of type sim.Scenario"},
	} {
		_, err := ParseScenario([]byte(tc.doc))
		if err == nil || err.Error() != tc.want {
			t.Errorf("got error %v\nwant       %s", err, tc.want)
		}
	}
}

func TestOverride(t *testing.T) {
	sc, _ := LoadPreset("handshake")
	loss, seed := 0.25, uint64(9)
	reorder := 0.1
	if err := sc.Override(Override{Loss: &loss, Seed: &seed, Reorder: &reorder}); err != nil {
		t.Fatal(err)
	}
	for _, l := range sc.Links {
		for _, p := range []LinkParams{l.AB, l.BA} {
			if p.Loss != 0.25 || p.Reorder != 0.1 || p.ReorderBy != Duration(10*time.Millisecond) {
				t.Errorf("link %s: %+v", l.ID, p)
			}
		}
	}
	if sc.Seed != 9 {
		t.Errorf("seed %d", sc.Seed)
	}
	bad := 2.0
	if err := sc.Override(Override{Duplicate: &bad}); err == nil || err.Error() != "links[0].ab.duplicate: 2 is out of range [0, 1]" {
		t.Errorf("override error %v", err)
	}
}

// TestOverrideProfile: the profile override reaches the scenario and every
// host that names a profile of its own, not the caller's shared spec, and
// a bad name is the scenario's own error.
func TestOverrideProfile(t *testing.T) {
	sc, _ := LoadPreset("handshake")
	own := &TCPSpec{Profile: "rfc", MSS: 1000}
	sc.Hosts[0].TCP = own
	linux := "linux"
	if err := sc.Override(Override{Profile: &linux}); err != nil {
		t.Fatal(err)
	}
	if sc.TCP.Profile != "linux" || sc.Hosts[0].TCP.Profile != "linux" || sc.Hosts[0].TCP.MSS != 1000 {
		t.Fatalf("tcp %+v, host 0 tcp %+v", sc.TCP, *sc.Hosts[0].TCP)
	}
	if own.Profile != "rfc" {
		t.Fatal("the override changed a spec the caller holds")
	}
	bsd := "bsd"
	if err := sc.Override(Override{Profile: &bsd}); err == nil || !strings.HasPrefix(err.Error(), "tcp.profile: ") {
		t.Fatalf("error %v", err)
	}
}

func TestLoadPresetUnknown(t *testing.T) {
	_, err := LoadPreset("handshak")
	if err == nil || !strings.HasPrefix(err.Error(), `no preset named "handshak" (one of handshake, transfer, `) {
		t.Fatalf("error %v", err)
	}
}

func TestCloneIsDeep(t *testing.T) {
	sc, _ := LoadPreset("handshake")
	c := sc.Clone()
	c.AddFault(Fault{Action: "drop", Packet: 1})
	c.Links[0].AB.Loss = 0.5
	if len(sc.Faults) != 0 || sc.Links[0].AB.Loss != 0 {
		t.Fatal("Clone shares state with the original")
	}
}

func FuzzParseScenario(f *testing.F) {
	f.Add([]byte(minimal))
	for _, p := range presetOrder {
		b, _ := presetFS.ReadFile("presets/" + p + ".json")
		f.Add(b)
	}
	f.Add([]byte(`{"duration":"1s","hosts":[{"name":"a","addrs":["::1"]}],"links":[],"tcp":{},"programs":[]}`))
	f.Add([]byte(edit(`"name": "a"`, `"name": "a", "tcp": {"profile": "linux", "window_scale": -1, "sack": false, "delayed_ack": "0s"}`)))
	f.Add([]byte(edit(`"udp-echo-server", "host": "b", "port": 7}`, `"stalled-sink", "host": "b", "port": 7, "stall": "1ms"}`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := ParseScenario(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		enc, err := sc.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseScenario(enc); err != nil {
			t.Fatalf("re-parse of encoded scenario: %v\n%s", err, enc)
		}
		// A valid scenario must build; run it briefly when it is small.
		if len(sc.Programs) <= 4 && len(sc.Hosts)+len(sc.Routers) <= 8 {
			s, err := New(sc, nil)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			for i := 0; i < 5000 && s.Step(); i++ {
			}
		}
	})
}

// TestRACKSetting: "rack_tlp" reaches tcp.Config with "sack"; the linux
// profile has both, and switching its SACK off is no error (RACK-TLP then
// does nothing).
func TestRACKSetting(t *testing.T) {
	for doc, want := range map[string]bool{
		edit(`"tcp": {}`, `"tcp": {"rack_tlp": true, "sack": true}`):        true,
		edit(`"tcp": {}`, `"tcp": {"sack": true}`):                          false,
		edit(`"tcp": {}`, `"tcp": {"profile": "linux"}`):                    true,
		edit(`"tcp": {}`, `"tcp": {"profile": "linux", "sack": false}`):     true,
		edit(`"tcp": {}`, `"tcp": {"profile": "linux", "rack_tlp": false}`): false,
	} {
		sc, err := ParseScenario([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		if got := sc.TCP.config().RACK; got != want {
			t.Errorf("%s: RACK %v, want %v", doc, got, want)
		}
	}
}
