package view

import (
	"socketlab/sim/trace"
	"socketlab/sim/view/layout"
)

// captionFor explains event ev in one or two sentences, in English ("en")
// or Chinese ("zh"), from the catalogue's "cap." entries. It is the
// renderer's own short caption; the shared caption package replaces it
// where it has a richer text.
func captionFor(m *layout.Model, ev int, lang string) string {
	tr := func(key string, args ...any) string { return uiTr(lang, key, args...) }
	if ev < 0 || ev >= m.Len() {
		return tr("cap.start")
	}
	e := m.Event(ev)
	p := &e.Packet
	what := m.Label(p)
	switch e.Kind {
	case trace.KindSend:
		return tr("cap.send", e.Node, what, e.Link, e.Peer)
	case trace.KindDeliver:
		return tr("cap.deliver", e.Node, e.Peer, what)
	case trace.KindDrop:
		reason := layout.DropText(e.Reason)
		if lang == "zh" {
			reason = layout.DropTextZH(e.Reason)
		}
		hint := ""
		switch e.Reason {
		case trace.DropLoss, trace.DropScripted:
			hint = tr("cap.drop.hint.loss")
		case trace.DropQueueFull:
			hint = tr("cap.drop.hint.queue")
		}
		return tr("cap.drop", what, reason, hint)
	case trace.KindDuplicate:
		return tr("cap.dup", e.Link, e.Peer)
	case trace.KindEnqueue:
		return tr("cap.enqueue", e.Node, e.Peer)
	case trace.KindState:
		return tr("cap.state", e.Node, stateText(e.From, lang), stateText(e.To, lang))
	case trace.KindConnStat:
		return tr("cap.vars", e.Node, e.Conn.Cwnd, e.Conn.InFlight)
	case trace.KindTimerSet:
		return tr("cap.arm", e.Node, e.Timer, layout.FormatTime(e.Deadline))
	case trace.KindTimerCancel:
		return tr("cap.cancel", e.Node, e.Timer)
	case trace.KindTimerFire:
		if e.Timer == trace.TimerRetransmit {
			return tr("cap.rto", e.Node)
		}
		return tr("cap.fire", e.Node, e.Timer)
	case trace.KindApp:
		n := ""
		if e.N > 0 {
			n = tr("cap.app.bytes", e.N)
		}
		return tr("cap.app", e.Node, e.Op, n)
	case trace.KindNote:
		return e.Text
	}
	return e.Kind.String()
}

// dropText is a drop reason in the app's language.
func (a *App) dropText(r trace.DropReason) string {
	if a.Lang == "zh" {
		return layout.DropTextZH(r)
	}
	return layout.DropText(r)
}

func stateText(s trace.TCPState, lang string) string {
	if s == trace.StateNone {
		return uiTr(lang, "cap.state.none")
	}
	return s.String()
}
