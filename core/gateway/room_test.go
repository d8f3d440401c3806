package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// roomReply is one response of the rooms endpoint.
type roomReply struct {
	status int
	body   string
	err    error
}

// roomPost POSTs body to /room/name of the gateway at url, with the
// page's Origin, and returns the response; it is bounded by ctx and by
// wait.
func roomPost(ctx context.Context, url, name, body string) roomReply {
	return signalPost(ctx, url, RoomPath+name, body)
}

// signalPost POSTs body to path of the gateway at url, as roomPost does.
func signalPost(ctx context.Context, url, path, body string) roomReply {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+path, strings.NewReader(body))
	if err != nil {
		return roomReply{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", url)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return roomReply{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return roomReply{status: resp.StatusCode, body: string(b), err: err}
}

// roomJSON is the body of m.
func roomJSON(m RoomMessage) string {
	b, _ := json.Marshal(m)
	return string(b)
}

func offerBody(sdp string) string { return roomJSON(RoomMessage{Type: "offer", SDP: sdp}) }

func answerBody(sdp, ticket string) string {
	return roomJSON(RoomMessage{Type: "answer", SDP: sdp, Ticket: ticket})
}

// waiter POSTs an offer to a room in a goroutine; its reply comes on the
// channel.
func waiter(ctx context.Context, url, name, sdp string) <-chan roomReply {
	c := make(chan roomReply, 1)
	go func() { c <- roomPost(ctx, url, name, offerBody(sdp)) }()
	return c
}

// reply waits for a waiter's reply.
func reply(t *testing.T, c <-chan roomReply) roomReply {
	t.Helper()
	select {
	case r := <-c:
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r
	case <-time.After(wait):
		t.Fatal("the waiting request did not return")
	}
	return roomReply{}
}

// expect checks a reply's status and exact one-line body.
func expect(t *testing.T, what string, r roomReply, status int, line string) {
	t.Helper()
	if r.err != nil {
		t.Fatalf("%s: %v", what, r.err)
	}
	if r.status != status || r.body != line+"\n" {
		t.Fatalf("%s: %d %q, want %d %q", what, r.status, r.body, status, line+"\n")
	}
}

// claim joins room name with a throwaway offer and expects the waiting
// offer wantSDP back with a ticket, which it returns.
func claim(t *testing.T, url, name, wantSDP string) string {
	t.Helper()
	r := roomPost(context.Background(), url, name, offerBody("v=0 joiner"))
	if r.err != nil || r.status != http.StatusOK {
		t.Fatalf("join %q: %d %q %v", name, r.status, r.body, r.err)
	}
	var m RoomMessage
	dec := json.NewDecoder(strings.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	if m.Type != "offer" || m.SDP != wantSDP || len(m.Ticket) != 32 {
		t.Fatalf("join %q: got %+v, want the offer %q and a 32-digit ticket", name, m, wantSDP)
	}
	return m.Ticket
}

// waitRooms waits until n rooms hold an offer.
func waitRooms(t *testing.T, g *Gateway, n int) {
	t.Helper()
	eventually(t, fmt.Sprintf("%d rooms waiting", n), func() bool { return g.Stats().RoomsWaiting == n })
}

// newRoomPeer is a native pion page with the pre-negotiated channel 1
// both pages of a room open.
func newRoomPeer(t *testing.T) (*client, *channel) {
	t.Helper()
	c := newClient(t)
	yes, id := true, uint16(1)
	ch := c.channel(t, "chat", &webrtc.DataChannelInit{Negotiated: &yes, ID: &id})
	return c, ch
}

// TestRoomPairs: two native pages pair through a room over real HTTP and
// then talk peer to peer; the gateway only carried their SDP.
func TestRoomPairs(t *testing.T) {
	g, srv := startGateway(t, Config{})
	a, ach := newRoomPeer(t)
	b, bch := newRoomPeer(t)

	offerA := a.offer(t)
	waitA := waiter(context.Background(), srv.URL, "lab-1", offerA)
	waitRooms(t, g, 1)

	ticket := claim(t, srv.URL, "lab-1", offerA) // b's own offer is discarded
	if err := b.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offerA}); err != nil {
		t.Fatal(err)
	}
	ans, err := b.pc.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(b.pc)
	if err := b.pc.SetLocalDescription(ans); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gathered:
	case <-time.After(wait):
		t.Fatal("B's ICE gathering did not complete")
	}
	answerB := b.pc.LocalDescription().SDP

	// A third page while the room is claimed.
	expect(t, "third offer", roomPost(context.Background(), srv.URL, "lab-1", offerBody("v=0 third")),
		http.StatusConflict, `room "lab-1" is full: two pages are pairing in it`)

	r := roomPost(context.Background(), srv.URL, "lab-1", answerBody(answerB, ticket))
	if r.err != nil || r.status != http.StatusNoContent || r.body != "" {
		t.Fatalf("answer: %d %q %v, want 204", r.status, r.body, r.err)
	}
	ra := reply(t, waitA)
	if ra.status != http.StatusOK {
		t.Fatalf("A's wait: %d %q", ra.status, ra.body)
	}
	var got SessionDescription
	dec := json.NewDecoder(strings.NewReader(ra.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.Type != "answer" || got.SDP != answerB {
		t.Fatalf("A got %+v, want B's answer", got)
	}
	if err := a.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: got.SDP}); err != nil {
		t.Fatal(err)
	}

	// Peer to peer.
	ach.send(t, []byte("hello"))
	if m := bch.recv(t); string(m.Data) != "hello" || m.IsString {
		t.Fatalf("B got %q (string %v)", m.Data, m.IsString)
	}
	bch.send(t, []byte("hello back, from B"))
	if m := ach.recv(t); string(m.Data) != "hello back, from B" || m.IsString {
		t.Fatalf("A got %q (string %v)", m.Data, m.IsString)
	}

	s := g.Stats()
	if s.Peers != 0 || s.PeersTotal != 0 || s.Channels != 0 || s.ChannelsTotal != 0 || s.BytesUp != 0 || s.BytesDown != 0 {
		t.Errorf("the gateway relayed more than signaling: %+v", s)
	}
	if s.RoomsWaiting != 0 || s.RoomsPaired != 1 {
		t.Errorf("rooms: %d waiting, %d paired; want 0, 1", s.RoomsWaiting, s.RoomsPaired)
	}

	// The name is free again: a new offer waits (and leaves when its page
	// gives up).
	ctx, cancel := context.WithCancel(context.Background())
	again := waiter(ctx, srv.URL, "lab-1", "v=0 again")
	waitRooms(t, g, 1)
	cancel()
	<-again
	waitRooms(t, g, 0)
}

// TestRoomRefusals: names, bodies, methods and answers that do not fit.
func TestRoomRefusals(t *testing.T) {
	g, err := New(Config{MaxBody: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	const host = "127.0.0.1:8080"
	nameLine := func(n string) string { return fmt.Sprintf("bad room name %q: use 1–32 of a-z 0-9 - _", n) }
	long := strings.Repeat("a", 33)
	ok32 := strings.Repeat("z", 32)
	cases := []struct {
		name   string
		method string
		path   string
		ctype  string
		body   string
		status int
		line   string
	}{
		{"no name", "POST", "/room/", "application/json", offerBody("x"), 400, nameLine("")},
		{"upper case", "POST", "/room/Lab", "application/json", offerBody("x"), 400, nameLine("Lab")},
		{"dot", "POST", "/room/a.b", "application/json", offerBody("x"), 400, nameLine("a.b")},
		{"slash", "POST", "/room/a/b", "application/json", offerBody("x"), 400, nameLine("a/b")},
		{"space", "POST", "/room/a%20b", "application/json", offerBody("x"), 400, nameLine("a b")},
		{"newline", "POST", "/room/a%0Ab", "application/json", offerBody("x"), 400, nameLine("a\nb")},
		{"non-ASCII", "POST", "/room/%C3%A9", "application/json", offerBody("x"), 400, nameLine("é")},
		{"33 characters", "POST", "/room/" + long, "application/json", offerBody("x"), 400, nameLine(long)},
		{"bare /room", "POST", "/room", "application/json", offerBody("x"), 404, "not found"},
		{"GET", "GET", "/room/lab", "", ``, 405, "method not allowed: POST an offer"},
		{"text body", "POST", "/room/lab", "text/plain", offerBody("x"), 415, "unsupported media type: want application/json"},
		{"invalid JSON", "POST", "/room/lab", "application/json", `{"type":`, 400, "bad request: invalid JSON: unexpected EOF"},
		{"unknown field", "POST", "/room/lab", "application/json", `{"type":"offer","sdp":"x","x":1}`, 400, `bad request: invalid JSON: json: unknown field "x"`},
		{"two objects", "POST", "/room/lab", "application/json", `{"type":"offer","sdp":"x"}{}`, 400, "bad request: invalid JSON: more than one value"},
		{"oversize body", "POST", "/room/lab", "application/json", offerBody(strings.Repeat("x", 2000)), 400, "bad request: body larger than 1024 bytes"},
		{"bad type", "POST", "/room/lab", "application/json", `{"type":"pranswer","sdp":"x"}`, 400, `bad request: type is "pranswer", want "offer" or "answer"`},
		{"empty sdp", "POST", "/room/lab", "application/json", `{"type":"offer","sdp":""}`, 400, "bad request: empty sdp"},
		{"empty answer", "POST", "/room/lab", "application/json", `{"type":"answer","sdp":"","ticket":"ab"}`, 400, "bad request: empty sdp"},
		{"ticket in an offer", "POST", "/room/lab", "application/json", `{"type":"offer","sdp":"x","ticket":"ab"}`, 400, "bad request: an offer has no ticket: only an answer carries one"},
		{"empty ticket in an offer", "POST", "/room/lab", "application/json", `{"type":"offer","sdp":"x","ticket":""}`, 400, "bad request: an offer has no ticket: only an answer carries one"},
		{"answer to nothing", "POST", "/room/lab", "application/json", answerBody("x", "ab"), 409, `room "lab" has no offer to answer: POST an offer first`},
		{"32 characters", "POST", "/room/" + ok32, "application/json", answerBody("x", ""), 409, `room "` + ok32 + `" has no offer to answer: POST an offer first`},
		{"every character", "POST", "/room/az09-_", "application/json", answerBody("x", ""), 409, `room "az09-_" has no offer to answer: POST an offer first`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "http://"+host+tc.path, strings.NewReader(tc.body))
			if tc.ctype != "" {
				r.Header.Set("Content-Type", tc.ctype)
			}
			w := httptest.NewRecorder()
			g.ServeHTTP(w, r)
			if w.Code != tc.status || w.Body.String() != tc.line+"\n" {
				t.Errorf("%d %q, want %d %q", w.Code, w.Body.String(), tc.status, tc.line+"\n")
			}
		})
	}
	if s := g.Stats(); s.RoomsWaiting != 0 || s.Peers != 0 {
		t.Errorf("Stats after refused requests: %+v", s)
	}
}

// TestRoomHostOrigin: the rooms refuse foreign hosts, origins and
// cross-site fetches with the very lines /rtc uses.
func TestRoomHostOrigin(t *testing.T) {
	g, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	const host = "127.0.0.1:8080"
	for _, tc := range []struct {
		name, host, origin, site, line string
	}{
		{"foreign host", "evil.example:8080", "", "", `forbidden: host "evil.example:8080" is not served here`},
		{"foreign origin", host, "http://evil.example", "", `forbidden: origin "http://evil.example" is not allowed`},
		{"origin other port", host, "http://127.0.0.1:9999", "", `forbidden: origin "http://127.0.0.1:9999" is not allowed`},
		{"cross-site fetch", host, "", "cross-site", "forbidden: cross-site request"},
	} {
		for _, path := range []string{Path, RoomPath + "lab", ClassPath + "lab"} {
			r := httptest.NewRequest("POST", path, strings.NewReader(offerBody("x")))
			r.Host = tc.host
			r.Header.Set("Content-Type", "application/json")
			if tc.origin != "" {
				r.Header.Set("Origin", tc.origin)
			}
			if tc.site != "" {
				r.Header.Set("Sec-Fetch-Site", tc.site)
			}
			w := httptest.NewRecorder()
			g.ServeHTTP(w, r)
			if w.Code != http.StatusForbidden || w.Body.String() != tc.line+"\n" {
				t.Errorf("%s %s: %d %q, want 403 %q", tc.name, path, w.Code, w.Body.String(), tc.line+"\n")
			}
		}
	}
	if s := g.Stats(); s.RoomsWaiting != 0 {
		t.Errorf("%d rooms after refused requests", s.RoomsWaiting)
	}
}

// TestRoomTickets: answers without the live claim's ticket are refused
// and change nothing; the right one pairs.
func TestRoomTickets(t *testing.T) {
	g, srv := startGateway(t, Config{})
	waitA := waiter(context.Background(), srv.URL, "t", "v=0 A")
	waitRooms(t, g, 1)
	expect(t, "answer before any claim", roomPost(context.Background(), srv.URL, "t", answerBody("v=0 B", "00")),
		http.StatusConflict, `room "t" has no claimed offer: POST an offer to get it and a ticket`)
	ticket := claim(t, srv.URL, "t", "v=0 A")
	expect(t, "answer without ticket", roomPost(context.Background(), srv.URL, "t", answerBody("v=0 B", "")),
		http.StatusConflict, `answer to room "t" without a ticket`)
	expect(t, "answer with a wrong ticket", roomPost(context.Background(), srv.URL, "t", answerBody("v=0 B", strings.Repeat("0", 32))),
		http.StatusConflict, `wrong ticket for room "t"`)
	expect(t, "answer to another room", roomPost(context.Background(), srv.URL, "u", answerBody("v=0 B", ticket)),
		http.StatusConflict, `room "u" has no offer to answer: POST an offer first`)
	r := roomPost(context.Background(), srv.URL, "t", answerBody("v=0 B", ticket))
	if r.status != http.StatusNoContent {
		t.Fatalf("answer: %d %q %v", r.status, r.body, r.err)
	}
	expect(t, "A's wait", reply(t, waitA), http.StatusOK, `{"type":"answer","sdp":"v=0 B"}`)
	expect(t, "the same answer again", roomPost(context.Background(), srv.URL, "t", answerBody("v=0 B", ticket)),
		http.StatusConflict, `room "t" has no offer to answer: POST an offer first`)
	if s := g.Stats(); s.RoomsWaiting != 0 || s.RoomsPaired != 1 {
		t.Errorf("Stats %+v", s)
	}
}

// TestRoomWait: an offer nobody joins ends with 408 after RoomWait, and
// frees the room.
func TestRoomWait(t *testing.T) {
	g, srv := startGateway(t, Config{RoomWait: 500 * time.Millisecond})
	start := time.Now()
	r := roomPost(context.Background(), srv.URL, "late", offerBody("v=0 A"))
	expect(t, "lonely offer", r, http.StatusRequestTimeout, `nobody joined room "late" within 500ms`)
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Errorf("408 after %v, before RoomWait", d)
	}
	if s := g.Stats(); s.RoomsWaiting != 0 {
		t.Errorf("%d rooms after the timeout", s.RoomsWaiting)
	}
	// A claimed room times out too, and the late answer finds nothing.
	waitA := waiter(context.Background(), srv.URL, "late", "v=0 A2")
	waitRooms(t, g, 1)
	ticket := claim(t, srv.URL, "late", "v=0 A2")
	expect(t, "claimed but unanswered", reply(t, waitA), http.StatusRequestTimeout, `nobody joined room "late" within 500ms`)
	expect(t, "answer after the wait", roomPost(context.Background(), srv.URL, "late", answerBody("v=0 B", ticket)),
		http.StatusConflict, `room "late" has no offer to answer: POST an offer first`)
}

// TestRoomClaimExpires: a claim not answered within ConnectTimeout lapses;
// the next joiner gets the waiting offer with a new ticket, and the old
// ticket is refused.
func TestRoomClaimExpires(t *testing.T) {
	g, srv := startGateway(t, Config{ConnectTimeout: 500 * time.Millisecond})
	waitA := waiter(context.Background(), srv.URL, "c", "v=0 A")
	waitRooms(t, g, 1)
	old := claim(t, srv.URL, "c", "v=0 A")
	expect(t, "offer while claimed", roomPost(context.Background(), srv.URL, "c", offerBody("v=0 C")),
		http.StatusConflict, `room "c" is full: two pages are pairing in it`)
	time.Sleep(600 * time.Millisecond)
	expect(t, "answer after the claim lapsed", roomPost(context.Background(), srv.URL, "c", answerBody("v=0 B", old)),
		http.StatusConflict, `the claim on room "c" expired after 500ms: POST an offer to join again`)
	ticket := claim(t, srv.URL, "c", "v=0 A")
	if ticket == old {
		t.Fatal("the new claim has the old ticket")
	}
	expect(t, "old ticket", roomPost(context.Background(), srv.URL, "c", answerBody("v=0 B", old)),
		http.StatusConflict, `wrong ticket for room "c"`)
	r := roomPost(context.Background(), srv.URL, "c", answerBody("v=0 C", ticket))
	if r.status != http.StatusNoContent {
		t.Fatalf("answer: %d %q %v", r.status, r.body, r.err)
	}
	expect(t, "A's wait", reply(t, waitA), http.StatusOK, `{"type":"answer","sdp":"v=0 C"}`)

	// A lapsed claim with no answer at all: the next joiner simply gets
	// the offer.
	waitA = waiter(context.Background(), srv.URL, "c", "v=0 A2")
	waitRooms(t, g, 1)
	claim(t, srv.URL, "c", "v=0 A2")
	time.Sleep(600 * time.Millisecond)
	ticket = claim(t, srv.URL, "c", "v=0 A2")
	if r := roomPost(context.Background(), srv.URL, "c", answerBody("v=0 D", ticket)); r.status != http.StatusNoContent {
		t.Fatalf("answer: %d %q %v", r.status, r.body, r.err)
	}
	expect(t, "A2's wait", reply(t, waitA), http.StatusOK, `{"type":"answer","sdp":"v=0 D"}`)
}

// TestRoomWaiterLeaves: a waiter whose request is cancelled frees the
// room: the next offer waits instead of getting the old one.
func TestRoomWaiterLeaves(t *testing.T) {
	g, srv := startGateway(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	waitA := waiter(ctx, srv.URL, "gone", "v=0 A")
	waitRooms(t, g, 1)
	cancel()
	if r := <-waitA; r.err == nil {
		t.Fatalf("cancelled request returned %d %q", r.status, r.body)
	}
	waitRooms(t, g, 0)

	waitB := waiter(context.Background(), srv.URL, "gone", "v=0 B")
	waitRooms(t, g, 1)
	ticket := claim(t, srv.URL, "gone", "v=0 B") // B's offer, not A's
	if r := roomPost(context.Background(), srv.URL, "gone", answerBody("v=0 C", ticket)); r.status != http.StatusNoContent {
		t.Fatalf("answer: %d %q %v", r.status, r.body, r.err)
	}
	expect(t, "B's wait", reply(t, waitB), http.StatusOK, `{"type":"answer","sdp":"v=0 C"}`)
}

// TestRoomMaxRooms: at most MaxRooms rooms hold an offer; joining one of
// them is still possible.
func TestRoomMaxRooms(t *testing.T) {
	g, srv := startGateway(t, Config{MaxRooms: 2})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w1 := waiter(ctx, srv.URL, "r1", "v=0 1")
	w2 := waiter(ctx, srv.URL, "r2", "v=0 2")
	waitRooms(t, g, 2)
	expect(t, "third room", roomPost(context.Background(), srv.URL, "r3", offerBody("v=0 3")),
		http.StatusServiceUnavailable, "too many rooms waiting")
	claim(t, srv.URL, "r1", "v=0 1")
	cancel()
	<-w1
	<-w2
	waitRooms(t, g, 0)
	// Room for more now.
	ctx2, cancel2 := context.WithCancel(context.Background())
	w3 := waiter(ctx2, srv.URL, "r3", "v=0 3")
	waitRooms(t, g, 1)
	cancel2()
	<-w3
}

// TestRoomShutdown: Shutdown answers a waiting offer with 503 and returns;
// later offers get 503 too.
func TestRoomShutdown(t *testing.T) {
	g, srv := startGateway(t, Config{})
	waitA := waiter(context.Background(), srv.URL, "s", "v=0 A")
	waitB := waiter(context.Background(), srv.URL, "s2", "v=0 B")
	waitRooms(t, g, 2)
	claim(t, srv.URL, "s2", "v=0 B")
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := g.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	expect(t, "waiting offer", reply(t, waitA), http.StatusServiceUnavailable, "gateway closed")
	expect(t, "claimed offer", reply(t, waitB), http.StatusServiceUnavailable, "gateway closed")
	if s := g.Stats(); s.RoomsWaiting != 0 {
		t.Errorf("%d rooms after Shutdown", s.RoomsWaiting)
	}
	expect(t, "offer after Shutdown", roomPost(context.Background(), srv.URL, "s", offerBody("v=0 C")),
		http.StatusServiceUnavailable, "gateway closed")
	expect(t, "answer after Shutdown", roomPost(context.Background(), srv.URL, "s", answerBody("v=0 C", "00")),
		http.StatusServiceUnavailable, "gateway closed")
}
