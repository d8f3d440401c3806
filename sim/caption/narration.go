package caption

import "socketlab/sim/trace"

// A moment names the events of a preset's run that a lesson is about: the
// nth (from 1; 0 for every one) event whose own key (what it is, Key
// without narration) is on, at node if node is not "".
type moment struct {
	on   string
	node string
	nth  int
	key  string // the catalogue key its caption uses
}

// narrations tell, preset by preset, which moments are the lesson: their
// captions win over everything else that happens at the same instant
// (Context.Shows), and some get words of their own ("lesson.…" keys),
// in the terms of the programs the preset runs. TestNarrations runs every
// preset and checks that each moment happens and each key exists.
var narrations = map[string][]moment{
	"handshake": {
		{on: "send.syn", nth: 1, key: "send.syn"},
		{on: "send.synack", nth: 1, key: "send.synack"},
		{on: "send.ack.handshake", nth: 1, key: "send.ack.handshake"},
		{on: "send.ack.data", node: "server", nth: 1, key: "send.ack.data"},
		{on: "send.fin", nth: 1, key: "lesson.close.fin"},
		{on: "send.ack.fin", nth: 1, key: "send.ack.fin"},
		{on: "send.ack.fin.time-wait", nth: 1, key: "send.ack.fin.time-wait"},
		{on: "state.CLOSED.last-ack", nth: 1, key: "state.CLOSED.last-ack"},
	},
	"transfer": {
		{on: "send.ack.handshake", nth: 1, key: "send.ack.handshake"},
		{on: "timer-set.delayed-ack", nth: 1, key: "lesson.transfer.delayed-ack"},
		{on: "send.ack.data", nth: 1, key: "send.ack.data"},
	},
	"teardown": {
		{on: "send.fin", nth: 1, key: "lesson.close.fin"},
		{on: "send.fin", nth: 2, key: "lesson.close.second-fin"},
		{on: "state.TIME-WAIT", nth: 1, key: "state.TIME-WAIT"},
		{on: "state.CLOSED.last-ack", nth: 1, key: "state.CLOSED.last-ack"},
		{on: "timer-fire.time-wait", nth: 1, key: "timer-fire.time-wait"},
	},
	"lost-syn": {
		{on: "drop.loss.syn", nth: 1, key: "drop.loss.syn"},
		{on: "send.syn.retx", nth: 1, key: "send.syn.retx"},
	},
	"lost-synack": {
		{on: "drop.loss.synack", nth: 1, key: "drop.loss.synack"},
		{on: "send.syn.retx", nth: 1, key: "send.syn.retx"},
		{on: "send.synack.retx", nth: 2, key: "lesson.synack.answer-again"},
		{on: "send.dupack", nth: 1, key: "lesson.synack.duplicate"},
	},
	"lost-data": {
		{on: "drop.loss.data", nth: 1, key: "drop.loss.data"},
		{on: "send.data.timeout", nth: 1, key: "lesson.lost-data.timeout"},
	},
	"fast-retransmit": {
		{on: "drop.loss.data", nth: 1, key: "drop.loss.data"},
		{on: "send.dupack", nth: 1, key: "send.dupack"},
		{on: "send.data.fastretx", nth: 1, key: "send.data.fastretx"},
	},
	"reorder": {
		{on: "send.dupack", nth: 1, key: "lesson.reorder.dupack"},
	},
	"duplicate": {
		{on: "duplicate", nth: 1, key: "duplicate"},
	},
	"zero-window": {
		{on: "send.zerowindow", nth: 1, key: "lesson.zero-window"},
		{on: "send.probe", nth: 1, key: "send.probe"},
		{on: "send.data.after-probe", nth: 1, key: "send.data.after-probe"},
	},
	"congestion": {
		{on: "drop.queue-full", nth: 1, key: "drop.queue-full"},
		{on: "connstat.fast-recovery", nth: 1, key: "connstat.fast-recovery"},
	},
	"refused": {
		{on: "send.rst", nth: 1, key: "lesson.refused.rst"},
		{on: "app.error", nth: 1, key: "app.error"},
	},
	"udp-timestamp": {
		{on: "send.udp", nth: 1, key: "lesson.udp.first"},
	},
	"udp-refused": {
		{on: "send.icmp.port-unreachable", nth: 1, key: "send.icmp.port-unreachable"},
		{on: "app.error", nth: 1, key: "lesson.udp-refused.error"},
	},
	"udp-impaired": {
		{on: "drop.loss.udp", nth: 1, key: "lesson.udp.lost"},
		{on: "deliver.udp.copy", nth: 1, key: "deliver.udp.copy"},
	},
	"iterative-vs-concurrent": {
		{on: "timer-set.app", node: "server", nth: 1, key: "lesson.iterative.work"},
		{on: "app.accept", node: "server", nth: 2, key: "lesson.iterative.next"},
		{on: "app.accept", node: "server", nth: 4, key: "lesson.concurrent"},
	},
	"deadlock": {
		{on: "send.zerowindow", nth: 1, key: "lesson.deadlock.full"},
		{on: "send.zerowindow", nth: 2, key: "lesson.deadlock"},
		{on: "send.probe", nth: 1, key: "lesson.deadlock.probe"},
	},
}

// narrate marks the moments the narration of t's preset names. A live
// exchange gets none: its events are real, not the preset's.
func narrate(t *trace.Trace, out []Context) {
	ms := narrations[t.Header.Scenario]
	if len(ms) == 0 || t.Header.Live {
		return
	}
	seen := make([]int, len(ms))
	for i := range t.Events {
		e := &t.Events[i]
		k := ownKey(e, &out[i])
		for j, m := range ms {
			if k != m.on || m.node != "" && m.node != e.Node {
				continue
			}
			seen[j]++
			if m.nth == 0 || seen[j] == m.nth {
				out[i].Lesson = m.key
			}
		}
	}
}
