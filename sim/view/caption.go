package view

import (
	"fmt"

	"socketlab/sim/trace"
	"socketlab/sim/view/layout"
)

// captionFor explains event ev in one or two sentences, in English ("en")
// or Chinese ("zh"). It is the renderer's own short catalogue; the shared
// caption package replaces it where it has a richer text.
func captionFor(m *layout.Model, ev int, lang string) string {
	if ev < 0 || ev >= m.Len() {
		if lang == "zh" {
			return "按空格键播放，→ 单步前进，← 单步后退。"
		}
		return "Press Space to play, → to step forward, ← to step back."
	}
	e := m.Event(ev)
	zh := lang == "zh"
	p := &e.Packet
	what := m.Label(p)
	switch e.Kind {
	case trace.KindSend:
		if zh {
			return fmt.Sprintf("%s 发出 %s，经链路 %s 发往 %s。", e.Node, what, e.Link, e.Peer)
		}
		return fmt.Sprintf("%s sends %s over link %s to %s.", e.Node, what, e.Link, e.Peer)
	case trace.KindDeliver:
		if zh {
			return fmt.Sprintf("%s 收到来自 %s 的 %s。", e.Node, e.Peer, what)
		}
		return fmt.Sprintf("%s receives %s from %s.", e.Node, what, e.Peer)
	case trace.KindDrop:
		if zh {
			return fmt.Sprintf("%s 丢失了（原因：%s）。%s", what, dropZH(e.Reason), dropHintZH(e.Reason))
		}
		return fmt.Sprintf("%s is lost (%s). %s", what, layout.DropText(e.Reason), dropHintEN(e.Reason))
	case trace.KindDuplicate:
		if zh {
			return fmt.Sprintf("链路 %s 复制了一个分组：%s 会收到两份。", e.Link, e.Peer)
		}
		return fmt.Sprintf("Link %s duplicated a packet: %s will receive it twice.", e.Link, e.Peer)
	case trace.KindEnqueue:
		if zh {
			return fmt.Sprintf("链路忙：%s 把分组放进发往 %s 的队列等待。", e.Node, e.Peer)
		}
		return fmt.Sprintf("The link is busy: %s queues the packet for %s.", e.Node, e.Peer)
	case trace.KindState:
		if zh {
			return fmt.Sprintf("%s 的 TCP 连接状态：%s → %s。", e.Node, stateText(e.From), stateText(e.To))
		}
		return fmt.Sprintf("%s's TCP connection moves from %s to %s.", e.Node, stateText(e.From), stateText(e.To))
	case trace.KindConnStat:
		if zh {
			return fmt.Sprintf("%s 更新了连接变量：拥塞窗口 cwnd=%d，在途字节 %d。", e.Node, e.Conn.Cwnd, e.Conn.InFlight)
		}
		return fmt.Sprintf("%s updates its variables: cwnd=%d, %d bytes in flight.", e.Node, e.Conn.Cwnd, e.Conn.InFlight)
	case trace.KindTimerSet:
		if zh {
			return fmt.Sprintf("%s 启动 %s 定时器，将在 %s 触发。", e.Node, e.Timer, layout.FormatTime(e.Deadline))
		}
		return fmt.Sprintf("%s arms its %s timer for %s.", e.Node, e.Timer, layout.FormatTime(e.Deadline))
	case trace.KindTimerCancel:
		if zh {
			return fmt.Sprintf("%s 取消了 %s 定时器。", e.Node, e.Timer)
		}
		return fmt.Sprintf("%s cancels its %s timer.", e.Node, e.Timer)
	case trace.KindTimerFire:
		if e.Timer == trace.TimerRetransmit {
			if zh {
				return fmt.Sprintf("%s 的重传定时器超时：没有收到确认，重发并把 RTO 加倍。", e.Node)
			}
			return fmt.Sprintf("%s's retransmission timer fires: no ACK came, so it re-sends and doubles the RTO.", e.Node)
		}
		if zh {
			return fmt.Sprintf("%s 的 %s 定时器触发。", e.Node, e.Timer)
		}
		return fmt.Sprintf("%s's %s timer fires.", e.Node, e.Timer)
	case trace.KindApp:
		if zh {
			return fmt.Sprintf("%s 的程序调用 %s()%s。", e.Node, e.Op, bytesZH(e.N))
		}
		return fmt.Sprintf("The program on %s calls %s()%s.", e.Node, e.Op, bytesEN(e.N))
	case trace.KindNote:
		return e.Text
	}
	return e.Kind.String()
}

func stateText(s trace.TCPState) string {
	if s == trace.StateNone {
		return "(none)"
	}
	return s.String()
}

func bytesEN(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf(" with %d bytes", n)
}

func bytesZH(n int) string {
	if n <= 0 {
		return ""
	}
	return fmt.Sprintf("，%d 字节", n)
}

func dropZH(r trace.DropReason) string { return layout.DropTextZH(r) }

func dropHintEN(r trace.DropReason) string {
	switch r {
	case trace.DropLoss, trace.DropScripted:
		return "The sender only learns of it when its timer runs out or ACKs repeat."
	case trace.DropQueueFull:
		return "The bottleneck's queue is full: the newest packet is tail-dropped."
	}
	return ""
}

func dropHintZH(r trace.DropReason) string {
	switch r {
	case trace.DropLoss, trace.DropScripted:
		return "发送方只能靠超时或重复确认发现。"
	case trace.DropQueueFull:
		return "瓶颈链路的队列满了，新到的分组被尾部丢弃。"
	}
	return ""
}
