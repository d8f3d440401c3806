package gateway

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// RoomPath is the prefix of the rooms' signaling endpoints: POST
// /room/NAME pairs two pages that name the same room.
const RoomPath = "/room/"

// MaxRoomName is the longest room name, in bytes (characters: a name is
// ASCII).
const MaxRoomName = 32

// RoomMessage is the JSON body of a rooms exchange: an offer or an
// answer, the shape of RTCSessionDescriptionInit, plus the ticket that
// goes with an answer (and with the waiting offer handed to a joiner).
type RoomMessage struct {
	Type   string `json:"type"`
	SDP    string `json:"sdp"`
	Ticket string `json:"ticket,omitempty"`
}

// room is one room with a waiting offer: the waiter's request is held
// until answer gets the partner's answer, the wait ends, or gone is
// closed by Shutdown. Its fields are guarded by Gateway.mu.
type room struct {
	offer string
	// ticket is the claim of the joiner that got the offer ("" while
	// nobody claims it); the claim lapses at claimEnd.
	ticket   string
	claimEnd time.Time
	answer   chan string   // buffered 1: the partner's answer
	gone     chan struct{} // closed by Shutdown
}

// claimed reports whether a joiner holds a live claim on the room at
// now; a lapsed claim is dropped.
func (rm *room) claimed(now time.Time) bool {
	if rm.ticket != "" && !now.Before(rm.claimEnd) {
		rm.ticket = ""
	}
	return rm.ticket != ""
}

// roomName checks the name of a room or a class: it returns name or an
// error line.
func roomName(name string) (string, error) {
	ok := len(name) >= 1 && len(name) <= MaxRoomName
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
	}
	if !ok {
		return "", fmt.Errorf("bad room name %s: use 1–%d of a-z 0-9 - _", quote(name), MaxRoomName)
	}
	return name, nil
}

// serveRoom handles POST /room/NAME once ServeHTTP has checked Host,
// Origin, method and content type.
func (g *Gateway) serveRoom(w http.ResponseWriter, r *http.Request) {
	name, err := roomName(strings.TrimPrefix(r.URL.Path, RoomPath))
	if err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	m, err := g.readRoomMessage(w, r)
	if err != nil {
		httpError(w, http.StatusBadRequest, "bad request: "+oneLine(err.Error()))
		return
	}
	if m.Type == "offer" {
		g.roomOffer(w, r, name, m.SDP)
		return
	}
	g.roomAnswer(w, name, m)
}

// readRoomMessage decodes the body like readOffer does (strict JSON, one
// object, at most MaxBody bytes), for an offer or an answer; only an
// answer may carry a ticket.
func (g *Gateway) readRoomMessage(w http.ResponseWriter, r *http.Request) (RoomMessage, error) {
	var m struct {
		Type   string  `json:"type"`
		SDP    string  `json:"sdp"`
		Ticket *string `json:"ticket"`
	}
	if err := g.decodeBody(w, r, &m); err != nil {
		return RoomMessage{}, err
	}
	switch m.Type {
	case "offer":
		if m.Ticket != nil {
			return RoomMessage{}, errors.New("an offer has no ticket: only an answer carries one")
		}
	case "answer":
	default:
		return RoomMessage{}, fmt.Errorf("type is %q, want \"offer\" or \"answer\"", m.Type)
	}
	if m.SDP == "" {
		return RoomMessage{}, errors.New("empty sdp")
	}
	out := RoomMessage{Type: m.Type, SDP: m.SDP}
	if m.Ticket != nil {
		out.Ticket = *m.Ticket
	}
	return out, nil
}

// roomOffer handles an offer to room name: it either hands the room's
// unclaimed waiting offer to the caller, with a new ticket, or leaves
// the caller's offer waiting for a partner's answer.
func (g *Gateway) roomOffer(w http.ResponseWriter, r *http.Request, name, offer string) {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		httpError(w, http.StatusServiceUnavailable, errClosed.Error())
		return
	}
	if rm := g.rooms[name]; rm != nil {
		now := time.Now()
		if rm.claimed(now) {
			g.mu.Unlock()
			httpError(w, http.StatusConflict, fmt.Sprintf("room %q is full: two pages are pairing in it", name))
			return
		}
		rm.ticket = newTicket()
		rm.claimEnd = now.Add(g.cfg.ConnectTimeout)
		m := RoomMessage{Type: "offer", SDP: rm.offer, Ticket: rm.ticket}
		g.mu.Unlock()
		g.logf("gateway: room %q claimed", name)
		writeJSON(w, m)
		return
	}
	if len(g.rooms) >= g.cfg.MaxRooms {
		g.mu.Unlock()
		httpError(w, http.StatusServiceUnavailable, "too many rooms waiting")
		return
	}
	rm := &room{offer: offer, answer: make(chan string, 1), gone: make(chan struct{})}
	g.rooms[name] = rm
	g.wg.Add(1)
	g.mu.Unlock()
	defer g.wg.Done()
	g.logf("gateway: room %q waits for a partner", name)

	// The wait may end just as an answer is delivered: the room then left
	// the map, under the same lock.
	why := g.awaitAnswer(w, r, rm.answer, rm.gone, func(a string) { writeJSON(w, RoomMessage{Type: "answer", SDP: a}) },
		func() bool {
			mine := g.rooms[name] == rm
			if mine {
				delete(g.rooms, name)
			}
			return mine
		})
	if why == "" {
		return
	}
	if why == "gone" {
		g.logf("gateway: room %q freed: the waiting page went away", name)
		return
	}
	g.logf("gateway: room %q: nobody joined within %v", name, g.cfg.RoomWait)
	httpError(w, http.StatusRequestTimeout, fmt.Sprintf("nobody joined room %q within %v", name, g.cfg.RoomWait))
}

// roomAnswer delivers an answer to the waiter of room name, if m's ticket
// is the room's live claim.
func (g *Gateway) roomAnswer(w http.ResponseWriter, name string, m RoomMessage) {
	g.mu.Lock()
	rm := g.rooms[name]
	var msg string
	switch {
	case g.closed:
		g.mu.Unlock()
		httpError(w, http.StatusServiceUnavailable, errClosed.Error())
		return
	case rm == nil:
		msg = fmt.Sprintf("room %q has no offer to answer: POST an offer first", name)
	case rm.ticket != "" && !time.Now().Before(rm.claimEnd):
		rm.ticket = ""
		msg = fmt.Sprintf("the claim on room %q expired after %v: POST an offer to join again", name, g.cfg.ConnectTimeout)
	case rm.ticket == "":
		msg = fmt.Sprintf("room %q has no claimed offer: POST an offer to get it and a ticket", name)
	case m.Ticket == "":
		msg = fmt.Sprintf("answer to room %q without a ticket", name)
	case subtle.ConstantTimeCompare([]byte(m.Ticket), []byte(rm.ticket)) != 1:
		msg = fmt.Sprintf("wrong ticket for room %q", name)
	}
	if msg != "" {
		g.mu.Unlock()
		httpError(w, http.StatusConflict, msg)
		return
	}
	delete(g.rooms, name)
	rm.answer <- m.SDP
	g.roomsPaired.Add(1)
	g.mu.Unlock()
	g.logf("gateway: room %q paired", name)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// awaitAnswer holds a waiting offer's request until its answer comes
// (reply sends it), the gateway closes (503), RoomWait passes or the
// page goes away. It then calls release under g.mu: true means the offer
// was still waiting and is withdrawn, and awaitAnswer returns why the
// wait ended, "timeout" or "gone", for the caller to answer; false means
// an answer (or Shutdown) took it just now, which awaitAnswer answers,
// returning "".
func (g *Gateway) awaitAnswer(w http.ResponseWriter, r *http.Request, answer <-chan string, gone <-chan struct{},
	reply func(string), release func() bool) string {
	timer := time.NewTimer(g.cfg.RoomWait)
	defer timer.Stop()
	var why string
	select {
	case a := <-answer:
		reply(a)
		return ""
	case <-gone:
		httpError(w, http.StatusServiceUnavailable, errClosed.Error())
		return ""
	case <-timer.C:
		why = "timeout"
	case <-r.Context().Done():
		why = "gone"
	}
	g.mu.Lock()
	mine := release()
	g.mu.Unlock()
	if mine {
		return why
	}
	select {
	case a := <-answer:
		reply(a)
	default: // Shutdown took it
		httpError(w, http.StatusServiceUnavailable, errClosed.Error())
	}
	return ""
}

// closeRoomsLocked wakes every waiter with 503; g.mu is held.
func (g *Gateway) closeRoomsLocked() {
	for name, rm := range g.rooms {
		close(rm.gone)
		delete(g.rooms, name)
	}
}

// decodeBody decodes the request's body into v: strict JSON (no unknown
// field), one value, at most MaxBody bytes.
func (g *Gateway) decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, g.cfg.MaxBody))
	dec.DisallowUnknownFields()
	tooLarge := func(err error) bool {
		var mbe *http.MaxBytesError
		return errors.As(err, &mbe)
	}
	if err := dec.Decode(v); err != nil {
		if tooLarge(err) {
			return fmt.Errorf("body larger than %d bytes", g.cfg.MaxBody)
		}
		return fmt.Errorf("invalid JSON: %v", err)
	}
	if err := dec.Decode(new(json.RawMessage)); err != io.EOF {
		if tooLarge(err) {
			return fmt.Errorf("body larger than %d bytes", g.cfg.MaxBody)
		}
		return errors.New("invalid JSON: more than one value")
	}
	return nil
}

func newTicket() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(v)
}
