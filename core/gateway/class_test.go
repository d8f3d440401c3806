package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func classPost(ctx context.Context, url, name string, m ClassMessage) roomReply {
	b, _ := json.Marshal(m)
	return signalPost(ctx, url, ClassPath+name, string(b))
}

// teach POSTs the teacher's offer in a goroutine; its reply comes on the
// channel.
func teach(ctx context.Context, url, name string, m ClassMessage) <-chan roomReply {
	c := make(chan roomReply, 1)
	go func() { c <- classPost(ctx, url, name, m) }()
	return c
}

// decodeClass decodes a 200 reply of the class endpoint strictly.
func decodeClass(t *testing.T, what string, r roomReply) ClassMessage {
	t.Helper()
	if r.err != nil || r.status != http.StatusOK {
		t.Fatalf("%s: %d %q %v, want 200", what, r.status, r.body, r.err)
	}
	var m ClassMessage
	dec := json.NewDecoder(strings.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return m
}

// join joins class name as a student and expects the teacher's offer
// wantSDP with a claim ticket, which it returns.
func join(t *testing.T, url, name, wantSDP string) string {
	t.Helper()
	m := decodeClass(t, "join", classPost(context.Background(), url, name, ClassMessage{Type: "join"}))
	if m.Type != "offer" || m.SDP != wantSDP || len(m.Ticket) != 32 || m.Students != 0 {
		t.Fatalf("join %q: got %+v, want the offer %q and a 32-digit ticket", name, m, wantSDP)
	}
	return m.Ticket
}

func waitClasses(t *testing.T, g *Gateway, n int) {
	t.Helper()
	eventually(t, "classes open", func() bool { return g.Stats().Classes == n })
}

// TestClassTeacherAndStudents: one teacher's page is paired with one
// student after another: each student gets the teacher's current offer,
// its answer goes to the teacher with the teacher ticket, and the
// teacher offers again with that ticket. A student who comes while the
// offer is claimed waits for the next one.
func TestClassTeacherAndStudents(t *testing.T) {
	g, srv := startGateway(t, Config{})
	t1 := teach(context.Background(), srv.URL, "class-1", ClassMessage{Type: "offer", SDP: "v=0 teacher 1"})
	waitClasses(t, g, 1)

	ticketA := join(t, srv.URL, "class-1", "v=0 teacher 1")
	// B comes while A holds the offer: it waits for the next one.
	joinB := make(chan roomReply, 1)
	go func() { joinB <- classPost(context.Background(), srv.URL, "class-1", ClassMessage{Type: "join"}) }()
	expect(t, "A's answer with a wrong ticket", classPost(context.Background(), srv.URL, "class-1",
		ClassMessage{Type: "answer", SDP: "v=0 A", Ticket: strings.Repeat("0", 32)}), http.StatusConflict, `wrong ticket for class "class-1"`)
	r := classPost(context.Background(), srv.URL, "class-1", ClassMessage{Type: "answer", SDP: "v=0 A", Ticket: ticketA})
	if r.status != http.StatusNoContent || r.body != "" {
		t.Fatalf("A's answer: %d %q, want 204", r.status, r.body)
	}
	got := decodeClass(t, "the teacher's first wait", reply(t, t1))
	if got.Type != "answer" || got.SDP != "v=0 A" || len(got.Ticket) != 32 {
		t.Fatalf("the teacher got %+v, want A's answer and a teacher ticket", got)
	}
	host := got.Ticket

	select {
	case r := <-joinB:
		t.Fatalf("B was answered before the teacher offered again: %d %q", r.status, r.body)
	default:
	}
	expect(t, "a second teacher", classPost(context.Background(), srv.URL, "class-1", ClassMessage{Type: "offer", SDP: "v=0 other"}),
		http.StatusConflict, `class "class-1" already has a teacher`)
	expect(t, "a wrong teacher ticket", classPost(context.Background(), srv.URL, "class-1", ClassMessage{Type: "offer", SDP: "v=0 other", Ticket: ticketA}),
		http.StatusConflict, `wrong teacher ticket for class "class-1"`)
	t2 := teach(context.Background(), srv.URL, "class-1", ClassMessage{Type: "offer", SDP: "v=0 teacher 2", Ticket: host, Students: 1})
	m := decodeClass(t, "B's join", reply(t, joinB))
	if m.Type != "offer" || m.SDP != "v=0 teacher 2" || len(m.Ticket) != 32 || m.Ticket == ticketA {
		t.Fatalf("B got %+v, want the teacher's second offer with a new ticket", m)
	}
	expect(t, "a second offer while one waits", classPost(context.Background(), srv.URL, "class-1", ClassMessage{Type: "offer", SDP: "v=0 x", Ticket: host}),
		http.StatusConflict, `class "class-1" has an offer waiting already`)
	r = classPost(context.Background(), srv.URL, "class-1", ClassMessage{Type: "answer", SDP: "v=0 B", Ticket: m.Ticket})
	if r.status != http.StatusNoContent {
		t.Fatalf("B's answer: %d %q", r.status, r.body)
	}
	got = decodeClass(t, "the teacher's second wait", reply(t, t2))
	if got != (ClassMessage{Type: "answer", SDP: "v=0 B", Ticket: host}) {
		t.Fatalf("the teacher got %+v, want B's answer and the same teacher ticket", got)
	}
	if s := g.Stats(); s.Classes != 1 || s.RoomsPaired != 2 || s.RoomsWaiting != 0 || s.Peers != 0 {
		t.Fatalf("stats %+v", s)
	}

	// The teacher's page goes away while offering: the class closes, and
	// its name is free for a new teacher.
	ctx, cancel := context.WithCancel(context.Background())
	t3 := teach(ctx, srv.URL, "class-1", ClassMessage{Type: "offer", SDP: "v=0 teacher 3", Ticket: host, Students: 2})
	eventually(t, "the third offer waits", func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.classes["class-1"] != nil && g.classes["class-1"].offer != ""
	})
	cancel()
	<-t3
	waitClasses(t, g, 0)
	expect(t, "join a closed class", classPost(context.Background(), srv.URL, "class-1", ClassMessage{Type: "join"}),
		http.StatusNotFound, `class "class-1" has no teacher: the teacher opens it first`)
}

// TestClassBounds: a full class, an offer nobody takes, a claim that
// lapses, a teacher who does not offer again, and Shutdown.
func TestClassBounds(t *testing.T) {
	g, srv := startGateway(t, Config{MaxStudents: 2, RoomWait: 600 * time.Millisecond, ConnectTimeout: 200 * time.Millisecond})
	bg := context.Background()

	expect(t, "too many students reported", classPost(bg, srv.URL, "c", ClassMessage{Type: "offer", SDP: "v=0", Students: 3}),
		http.StatusBadRequest, "bad request: students is 3, want 0–2")
	full := teach(bg, srv.URL, "c", ClassMessage{Type: "offer", SDP: "v=0 t", Students: 2})
	waitClasses(t, g, 1)
	expect(t, "join a full class", classPost(bg, srv.URL, "c", ClassMessage{Type: "join"}),
		http.StatusConflict, `class "c" is full: 2 students already`)
	expect(t, "nobody joined", reply(t, full), http.StatusRequestTimeout, `no student joined class "c" within 600ms`)
	waitClasses(t, g, 0)

	// A claim not answered in time lapses: the next student gets the
	// offer, the first one's answer is refused.
	t1 := teach(bg, srv.URL, "c", ClassMessage{Type: "offer", SDP: "v=0 t"})
	waitClasses(t, g, 1)
	lapsed := join(t, srv.URL, "c", "v=0 t")
	second := join(t, srv.URL, "c", "v=0 t") // waits for the claim to lapse
	if second == lapsed {
		t.Fatal("the same ticket twice")
	}
	expect(t, "the lapsed claim's answer", classPost(bg, srv.URL, "c", ClassMessage{Type: "answer", SDP: "v=0 s", Ticket: lapsed}),
		http.StatusConflict, `wrong ticket for class "c"`)
	if r := classPost(bg, srv.URL, "c", ClassMessage{Type: "answer", SDP: "v=0 s", Ticket: second}); r.status != http.StatusNoContent {
		t.Fatalf("answer: %d %q", r.status, r.body)
	}
	host := decodeClass(t, "teacher", reply(t, t1)).Ticket

	// The teacher does not offer again within ConnectTimeout: the class
	// closes; a student waiting for it is told.
	expect(t, "join while the teacher is away", classPost(bg, srv.URL, "c", ClassMessage{Type: "join"}),
		http.StatusNotFound, `class "c" has no teacher: the teacher opens it first`)
	expect(t, "the teacher comes back late", classPost(bg, srv.URL, "c", ClassMessage{Type: "offer", SDP: "v=0", Ticket: host}),
		http.StatusConflict, `class "c" is not open: POST an offer without a ticket to open it`)
	waitClasses(t, g, 0)

	// Shutdown answers a waiting teacher and a waiting student with 503.
	t2 := teach(bg, srv.URL, "d", ClassMessage{Type: "offer", SDP: "v=0 t"})
	waitClasses(t, g, 1)
	join(t, srv.URL, "d", "v=0 t")
	waiting := make(chan roomReply, 1)
	go func() { waiting <- classPost(bg, srv.URL, "d", ClassMessage{Type: "join"}) }()
	time.Sleep(50 * time.Millisecond)
	g.Close()
	expect(t, "the teacher at shutdown", reply(t, t2), http.StatusServiceUnavailable, "gateway closed")
	expect(t, "the student at shutdown", reply(t, waiting), http.StatusServiceUnavailable, "gateway closed")
}

// TestClassRefusals: names and bodies that do not fit, answered at once.
func TestClassRefusals(t *testing.T) {
	g, err := New(Config{MaxBody: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	for _, tc := range []struct {
		name, path, body string
		status           int
		line             string
	}{
		{"no name", "/class/", `{"type":"join"}`, 400, `bad room name "": use 1–32 of a-z 0-9 - _`},
		{"upper case", "/class/A", `{"type":"join"}`, 400, `bad room name "A": use 1–32 of a-z 0-9 - _`},
		{"unknown field", "/class/a", `{"type":"join","x":1}`, 400, `bad request: invalid JSON: json: unknown field "x"`},
		{"bad type", "/class/a", `{"type":"pranswer","sdp":"x"}`, 400, `bad request: type is "pranswer", want "offer", "join" or "answer"`},
		{"join with an sdp", "/class/a", `{"type":"join","sdp":"x"}`, 400, "bad request: a join carries only its type"},
		{"empty offer", "/class/a", `{"type":"offer"}`, 400, "bad request: empty sdp"},
		{"negative students", "/class/a", `{"type":"offer","sdp":"x","students":-1}`, 400, "bad request: students is -1, want 0–30"},
		{"answer with students", "/class/a", `{"type":"answer","sdp":"x","ticket":"t","students":1}`, 400, "bad request: an answer has no students"},
		{"oversize", "/class/a", `{"type":"offer","sdp":"` + strings.Repeat("x", 2000) + `"}`, 400, "bad request: body larger than 1024 bytes"},
		{"join no class", "/class/a", `{"type":"join"}`, 404, `class "a" has no teacher: the teacher opens it first`},
		{"answer no class", "/class/a", `{"type":"answer","sdp":"x","ticket":"t"}`, 409, `class "a" has no teacher: the teacher opens it first`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "http://127.0.0.1:8080"+tc.path, strings.NewReader(tc.body))
			r.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			g.ServeHTTP(w, r)
			if w.Code != tc.status || w.Body.String() != tc.line+"\n" {
				t.Errorf("%d %q, want %d %q", w.Code, w.Body.String(), tc.status, tc.line+"\n")
			}
		})
	}
}

// FuzzClassBody: whatever a page POSTs to a class room, the gateway
// answers with one of the statuses above and, for a refusal, one line;
// it never panics and never holds a request past its bounds.
func FuzzClassBody(f *testing.F) {
	for _, s := range []string{`{"type":"join"}`, `{"type":"offer","sdp":"v=0"}`, `{"type":"offer","sdp":"v=0","ticket":"ab","students":3}`,
		`{"type":"answer","sdp":"v=0","ticket":"ab"}`, `{"type":"join","sdp":""}`, `{"type":"offer","students":-1}`, `[]`, `{"type":"join"}{}`, ``} {
		f.Add(s)
	}
	g, err := New(Config{RoomWait: time.Millisecond, ConnectTimeout: time.Millisecond, MaxBody: 4096})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { g.Close() })
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest("POST", "http://127.0.0.1:8080/class/fuzz", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		g.ServeHTTP(w, r)
		b := w.Body.String()
		switch w.Code {
		case http.StatusOK, http.StatusNoContent:
		case http.StatusBadRequest, http.StatusNotFound, http.StatusRequestTimeout, http.StatusConflict, http.StatusServiceUnavailable:
			if !strings.HasSuffix(b, "\n") || strings.Count(b, "\n") != 1 {
				t.Fatalf("%d %q: not one line", w.Code, b)
			}
		default:
			t.Fatalf("status %d %q", w.Code, b)
		}
	})
}
