package view

import "fmt"

// uiEntry is one piece of the playground's own text in both languages.
// A text with fmt verbs ("%d", "%s") is a format: tr fills it with its
// arguments; English and Chinese have the same verbs in the same order.
type uiEntry struct {
	key    string
	en, zh string
}

// uiText is every word the view draws that is not data (node names,
// addresses, numbers) and not a caption of the caption package: panel
// headings, the top bar, buttons, sliders, the host panel's and the plot's
// notes, the help, the picker, the status line and the fallback captions.
// TestViewTextFromCatalogue checks that no drawn string bypasses it, that
// every entry is used and has both languages with the same verbs; the
// preset descriptions and node roles are translated by caption.Text and
// caption.RoleText.
var uiText = []uiEntry{
	// ---- the top bar ----
	{"bar.speed", "speed %g×", "速度 %g×"},
	{"bar.seed", "seed %d", "种子 %d"},
	{"bar.whatifs", "what-ifs %d", "假设 %d"},
	{"state.loading", "simulating… %d%%", "模拟中… %d%%"},
	{"state.live", "● LIVE", "● 实时"},
	{"state.replaying", "replaying — End: back to LIVE", "回放中 — End 键回到实时"},
	{"state.paused.live", "paused — End: back to LIVE", "暂停 — End 键回到实时"},
	{"state.playing", "playing", "播放中"},
	{"state.paused", "paused", "暂停"},

	// ---- panel headings ----
	{"panel.topology", "topology", "拓扑"},
	{"panel.topology.queued", "%d queued", "%d 个排队"},
	{"panel.ladder", "ladder", "时序图"},
	{"panel.events", "events %d/%d", "事件 %d/%d"},
	{"panel.inspector", "packet inspector", "分组检查器"},
	{"panel.host.long", "host %s  (click a node, Tab)", "主机 %s（点击节点，Tab）"},
	{"panel.host.tab", "host %s (Tab)", "主机 %s (Tab)"},
	{"panel.host", "host %s", "主机 %s"},
	{"panel.plot.long", "time–sequence (■ data, □ retransmit, × lost, — ACK, ┈ SND.UNA+cwnd)", "时间-序号图（■ 数据，□ 重传，× 丢失，— 确认，┈ 发送上限）"},
	{"panel.plot.mid", "time–sequence (■ data □ retx × lost — ACK ┈ cwnd)", "时间-序号图（■ 数据 □ 重传 × 丢失 — 确认）"},
	{"panel.plot", "time–sequence", "时间-序号图"},
	{"inspector.hint.long", "click a packet in the topology or the ladder", "在拓扑图或时序图中点击一个分组"},
	{"inspector.hint", "click a packet", "点击一个分组"},

	// ---- inside the panels ----
	{"topology.dup", "DUP", "重复"},
	{"topology.retx", "RETX", "重传"},
	{"ladder.idle", "≈ %s idle", "≈ %s 空闲"},
	{"host.noconn", "no TCP connection yet", "尚无 TCP 连接"},
	{"host.udp.one", "UDP: %d datagram sent, %d received", "UDP：发送 %d 个数据报，收到 %d 个"},
	{"host.udp", "UDP: %d datagrams sent, %d received", "UDP：发送 %d 个数据报，收到 %d 个"},
	{"host.udp.lost", "%d of those sent lost on the way", "发出的数据报中有 %d 个在途中丢失"},
	{"host.udp.none", "no connection, no sequence numbers, no retransmission", "没有连接、没有序号、没有重传"},
	{"plot.nodata", "no TCP data sent by this host", "该主机没有发送 TCP 数据"},

	// ---- buttons: the full label, then the short one ----
	{"button.restart", "|◀ R", "|◀ R"},
	{"button.play", "▶ ‖ Space", "▶ ‖ Space"},
	{"button.drop", "drop D", "丢弃 D"},
	{"button.drop.short", "drop", "丢弃"},
	{"button.delay", "delay L", "延迟 L"},
	{"button.delay.short", "delay", "延迟"},
	{"button.dup", "dup U", "复制 U"},
	{"button.dup.short", "dup", "复制"},
	{"button.undo", "undo Z", "撤销 Z"},
	{"button.undo.short", "undo", "撤销"},
	{"button.redo", "redo Y", "重做 Y"},
	{"button.redo.short", "redo", "重做"},
	{"button.seed", "seed N", "种子 N"},
	{"button.seed.short", "seed", "种子"},
	{"button.scenario", "scenario P", "场景 P"},
	{"button.scenario.short", "scenario", "场景"},
	{"button.save", "save ^S", "保存 ^S"},
	{"button.save.short", "save", "保存"},
	{"button.lang", "EN/中 C", "EN/中 C"},
	{"button.lang.short", "EN/中", "EN/中"},
	{"button.help", "help H", "帮助 H"},
	{"button.help.short", "help", "帮助"},

	// ---- sliders ----
	{"slider.loss", "loss", "丢包"},
	{"slider.delay", "delay", "延迟"},
	{"slider.jitter", "jitter", "抖动"},
	{"slider.reorder", "reorder", "乱序"},
	{"slider.dup", "dup", "重复"},
	{"slider.bandwidth", "bandwidth", "带宽"},

	// ---- the caption bar and the status line ----
	{"prompt.tcp", "TCP client → %s▏", "TCP 客户端 → %s▏"},
	{"caption.join", " ", ""}, // a wrapped caption's lines joined again: Chinese has no spaces
	{"status.error", "error: %s", "错误：%s"},
	{"status.theme", "theme: %s (V: next)", "主题：%s（V：下一个）"},
	{"theme.screen", "screen", "屏幕"},
	{"theme.high-contrast", "high contrast", "高对比度"},
	{"theme.projector", "projector", "投影"},
	{"status.typesize", "type size %s (F: next)", "字号 %s（F：下一个）"},
	{"status.target", "the TCP client can now talk to %s: key %d", "TCP 客户端现在可以连接 %s：按 %d"},
	{"status.nolive", "keys 1–9 run real clients in a live run (socketlab play --live)", "数字键 1–9 在实时运行中启动真实客户端（socketlab play --live）"},
	{"status.running", "running %s: %s", "运行 %s：%s"},
	{"status.prompt", "type HOST:PORT for the TCP client, Enter to use it, Esc to cancel", "输入 TCP 客户端要连接的 HOST:PORT，回车确认，Esc 取消"},
	{"status.realrun", "what-ifs, seeds and sliders need the simulator: this run is real (your own sockets)", "假设、随机种子和滑块只适用于模拟；这是真实的运行（你自己的套接字）"},
	{"status.select", "select a packet first (click it), then D, L or U", "请先点击选中一个分组，再按 D、L 或 U"},
	{"status.whatif", "what if: %s packet #%d", "假如：%s 分组 #%d"},
	{"whatif.drop", "drop", "丢弃"},
	{"whatif.delay", "delay", "延迟"},
	{"whatif.duplicate", "duplicate", "复制"},
	{"status.noundo", "nothing to undo", "没有可撤销的操作"},
	{"status.undone", "undone", "已撤销"},
	{"status.noredo", "nothing to redo", "没有可重做的操作"},
	{"status.redone", "redone", "已重做"},
	{"status.seed", "seed %d", "随机种子 %d"},
	{"status.profile.rfc", "TCP: the RFC textbook (K: Linux)", "TCP：RFC 教科书（K：Linux）"},
	{"status.profile.linux", "TCP: Linux as your kernel runs it — IW10, SACK, timestamps, CUBIC, 200 ms RTO (K: textbook)", "TCP：你的 Linux 内核的做法——IW10、SACK、时间戳、CUBIC、200 ms RTO（K：教科书）"},
	{"status.opened", "opened %s", "已打开 %s"},
	{"status.nosave", "saving is not available here", "此处无法保存"},
	{"status.saved", "saved %s", "已保存 %s"},
	{"status.norecord", "recording is not available here", "此处无法录制"},
	{"status.recorded", "recorded %d events to %s", "已录制 %d 个事件到 %s"},

	// ---- the picker (P) and the help (H) ----
	{"picker.title", "choose a scenario (click; Esc closes)", "选择场景（点击；Esc 关闭）"},
	{"help.title", "keys", "按键"},
	{"help.play.keys", "Space", "Space"},
	{"help.play", "play / pause", "播放 / 暂停"},
	{"help.step.keys", "→  ←", "→  ←"},
	{"help.step", "next event / step back", "下一个事件 / 后退一步"},
	{"help.speed.keys", "↑  ↓", "↑  ↓"},
	{"help.speed", "faster / slower (0.05×–50×)", "加速 / 减速（0.05×–50×）"},
	{"help.restart.keys", "R  End", "R  End"},
	{"help.restart", "restart / jump to the end (of a live run: back to LIVE)", "重新开始 / 跳到结尾（实时运行：回到实时）"},
	{"help.select.keys", "click  Enter", "点击  Enter"},
	{"help.select", "select a packet (topology, ladder, event list) / the current event's", "选中分组（拓扑、时序图、事件列表）/ 当前事件的分组"},
	{"help.whatif.keys", "D  L  U", "D  L  U"},
	{"help.whatif", "what if the selected packet is dropped / delayed / duplicated", "假如选中的分组被丢弃 / 延迟 / 复制"},
	{"help.undo.keys", "Z  Y", "Z  Y"},
	{"help.undo", "undo / redo a what-if", "撤销 / 重做假设"},
	{"help.ghost.keys", "G", "G"},
	{"help.ghost", "show / hide the previous branch (dashed)", "显示 / 隐藏上一个分支（虚线）"},
	{"help.profile.keys", "K", "K"},
	{"help.profile", "TCP: the RFC textbook / Linux", "TCP：RFC 教科书 / Linux"},
	{"help.seed.keys", "N  Shift+N", "N  Shift+N"},
	{"help.seed", "next / previous seed", "下一个 / 上一个随机种子"},
	{"help.picker.keys", "P", "P"},
	{"help.picker", "choose a scenario", "选择场景"},
	{"help.save.keys", "Ctrl+S", "Ctrl+S"},
	{"help.save", "save the scenario with its what-ifs", "保存场景及其假设"},
	{"help.zoom.keys", "+  −  wheel", "+  −  滚轮"},
	{"help.zoom", "zoom the ladder", "缩放时序图"},
	{"help.pan.keys", "PgUp PgDn", "PgUp PgDn"},
	{"help.pan", "pan the ladder (Shift+wheel too)", "平移时序图（也可 Shift+滚轮）"},
	{"help.host.keys", "Tab", "Tab"},
	{"help.host", "next host in the host panel and plot", "切换主机面板和图中的主机"},
	{"help.lang.keys", "C", "C"},
	{"help.lang", "captions English / 中文", "字幕 English / 中文"},
	{"help.theme.keys", "V", "V"},
	{"help.theme", "theme: screen / high contrast / projector", "主题：屏幕 / 高对比度 / 投影"},
	{"help.type.keys", "F", "F"},
	{"help.type", "larger type (100 %, 115 %, 130 %)", "放大字号（100%、115%、130%）"},
	{"help.close.keys", "H  Esc", "H  Esc"},
	{"help.close", "this help / close (Esc with nothing open: quit)", "帮助 / 关闭（没有可关闭的内容时 Esc 退出）"},
	{"help.quit.keys", "Q", "Q"},
	{"help.quit", "quit", "退出"},
	{"help.code.keys", "A  Shift+A", "A  Shift+A"},
	{"help.code", "the host's program beside the ladder, its line marked / in Python or Go", "时序图旁显示主机的程序，标出当前行 / 用 Python 或 Go"},
	{"help.lesson.keys", "[  ]  ?  I", "[  ]  ?  I"},
	{"help.lesson", "lesson: previous / next step (] skips a question) / hint / try it for real", "课程：上一步 / 下一步（] 跳过问题）/ 提示 / 真实运行"},
	{"help.answer.keys", "1–9  Enter", "1–9  Enter"},
	{"help.answer", "lesson: choose an answer / give a number", "课程：选择答案 / 输入数字"},
	{"help.class.keys", "E", "E"},
	{"help.class", "class room: let the students explore freely / follow you again (teacher)", "课堂：让学生自由探索 / 重新跟随你（老师）"},
	{"help.live.keys", "1–9  T", "1–9  T"},
	{"help.live", "live: run a real client / type HOST:PORT for the TCP client", "实时：运行真实客户端 / 输入 TCP 客户端的 HOST:PORT"},

	// ---- the lesson panel (lessonui.go) ----
	{"lesson.head", "%s — step %d/%d", "%s — 第 %d/%d 步"},
	{"lesson.button.prev", "◀ [", "◀ ["},
	{"lesson.button.next", "] ▶", "] ▶"},
	{"lesson.button.unlock", "E unlock", "E 解锁"},
	{"lesson.button.lock", "E lock", "E 锁定"},
	{"class.student.waiting", "class %s: waiting for the teacher", "课堂 %s：等待老师"},
	{"class.student.following", "class %s: following the teacher", "课堂 %s：跟随老师"},
	{"class.student.free", "class %s: free exploration", "课堂 %s：自由探索"},
	{"class.teacher.locked", "class %s — students: %d, following you", "课堂 %s — 学生：%d 名，跟随你"},
	{"class.teacher.free", "class %s — students: %d, exploring freely", "课堂 %s — 学生：%d 名，自由探索"},
	{"class.tally", "%d right, %d wrong, %d skipped, %d not yet", "%d 对，%d 错，%d 跳过，%d 未答"},
	{"class.given", "answers: %s", "答案：%s"},
	{"lesson.button.hint", "hint ?", "提示 ?"},
	{"lesson.button.skip", "skip ]", "跳过 ]"},
	{"lesson.button.try", "try it for real  I", "真实运行  I"},
	{"lesson.button.submit", "Enter", "回车"},
	{"lesson.typing", "your answer: %s▏", "你的答案：%s▏"},
	{"lesson.answered", "your answer: %s — the run shows %s", "你的答案：%s — 运行结果是 %s"},
	{"lesson.answer", "the run shows %s", "运行结果是 %s"},
	{"lesson.hint", "Hint: %s", "提示：%s"},
	{"lesson.right", "✓ %s", "✓ %s"},
	{"lesson.wrong", "× %s", "× %s"},
	{"lesson.skipped", "Skipped. %s", "已跳过。%s"},
	{"lesson.veil", "hidden until you answer: it would give the answer away", "作答后显示：它会泄露答案"},
	{"code.head", "%s (%s) on %s · Shift+A: %s", "%s（%s，在 %s 上）· Shift+A：%s"},
	{"code.connect", "%s blocks: the handshake is under way", "%s 阻塞：握手正在进行"},
	{"code.accept", "%s blocks until a client connects", "%s 阻塞，直到有客户端连接"},
	{"code.recv", "%s blocks until data arrives", "%s 阻塞，直到数据到达"},
	{"code.close", "%s sends a FIN", "%s 发出 FIN"},
	{"status.code.none", "%s runs none of the textbook's programs (Tab: another host)", "%s 运行的不是教材中的程序（Tab：换一台主机）"},
	{"status.try.none", "this step names no real program to try", "这一步没有可以真实运行的程序"},
	{"status.try.first", "predict first: answer the question (or ] to skip it), then try it for real", "先预测：回答问题（或按 ] 跳过），再真实运行"},
	{"status.try.busy", "the real run is still arriving", "真实运行尚未结束"},
	{"status.try.nosource", "no real sockets here: socketlab play or socketlab serve runs the real program", "这里没有真实套接字：请用 socketlab play 或 socketlab serve 真实运行"},
	{"status.try.running", "%s: running for real, drawn beside the simulated run", "%s：正在真实运行，画在模拟运行旁边"},
	{"status.try.done", "%s, for real: %d events on the real columns beside the simulated run", "%s 的真实运行：模拟运行旁的真实列上有 %d 个事件"},
	{"status.class.following", "following the teacher", "跟随老师"},
	{"status.class.free", "free exploration", "自由探索"},
	{"status.class.lesson", "the teacher is in lesson %s: open that lesson to follow", "老师在课程 %s 中：打开该课程即可跟随"},
	{"status.class.unlocked", "students may explore freely (E locks)", "学生可以自由探索（按 E 锁定）"},
	{"status.class.locked", "students follow you again (E unlocks)", "学生重新跟随你（按 E 解锁）"},
	{"status.lesson.gate", "predict first: answer the question (or ] to skip it), then watch", "先预测：回答问题（或按 ] 跳过），再观看"},
	{"status.lesson.number", "type a number, then Enter", "请输入一个数字，然后回车"},
	{"status.lesson.first", "this is the first step", "已是第一步"},
	{"status.lesson.done", "the last step: lesson done, %d of %d right", "最后一步：课程完成，答对 %d/%d"},

	// ---- the fallback captions (captionFor), for events the caption
	// package has no richer text for ----
	{"cap.start", "Press Space to play, → to step forward, ← to step back.", "按空格键播放，→ 单步前进，← 单步后退。"},
	{"cap.send", "%s sends %s over link %s to %s.", "%s 发出 %s，经链路 %s 发往 %s。"},
	{"cap.deliver", "%[1]s receives %[3]s from %[2]s.", "%[1]s 收到来自 %[2]s 的 %[3]s。"},
	{"cap.drop", "%s is lost (%s). %s", "%s 丢失了（原因：%s）。%s"},
	{"cap.drop.hint.loss", "The sender only learns of it when its timer runs out or ACKs repeat.", "发送方只能靠超时或重复确认发现。"},
	{"cap.drop.hint.queue", "The bottleneck's queue is full: the newest packet is tail-dropped.", "瓶颈链路的队列满了，新到的分组被尾部丢弃。"},
	{"cap.dup", "Link %s duplicated a packet: %s will receive it twice.", "链路 %s 复制了一个分组：%s 会收到两份。"},
	{"cap.enqueue", "The link is busy: %s queues the packet for %s.", "链路忙：%s 把分组放进发往 %s 的队列等待。"},
	{"cap.state", "%s's TCP connection moves from %s to %s.", "%s 的 TCP 连接状态：%s → %s。"},
	{"cap.state.none", "(none)", "（无）"},
	{"cap.vars", "%s updates its variables: cwnd=%d, %d bytes in flight.", "%s 更新了连接变量：拥塞窗口 cwnd=%d，在途字节 %d。"},
	{"cap.arm", "%s arms its %s timer for %s.", "%s 启动 %s 定时器，将在 %s 触发。"},
	{"cap.cancel", "%s cancels its %s timer.", "%s 取消了 %s 定时器。"},
	{"cap.rto", "%s's retransmission timer fires: no ACK came, so it re-sends and doubles the RTO.", "%s 的重传定时器超时：没有收到确认，重发并把 RTO 加倍。"},
	{"cap.fire", "%s's %s timer fires.", "%s 的 %s 定时器触发。"},
	{"cap.app", "The program on %s calls %s()%s.", "%s 的程序调用 %s()%s。"},
	{"cap.app.bytes", " with %d bytes", "，%d 字节"},
}

// uiIndex finds an entry of uiText by its key.
var uiIndex = func() map[string]int {
	m := make(map[string]int, len(uiText))
	for i, e := range uiText {
		m[e.key] = i
	}
	return m
}()

// uiTr returns the text of key in lang ("en" or "zh"), filled with args
// when there are any. An unknown key (TestViewTextFromCatalogue makes
// sure there is none) shows as itself in angle quotes rather than
// stopping the playground.
func uiTr(lang, key string, args ...any) string {
	i, ok := uiIndex[key]
	if !ok {
		return "‹" + key + "›"
	}
	s := uiText[i].en
	if lang == "zh" {
		s = uiText[i].zh
	}
	if len(args) > 0 {
		s = fmt.Sprintf(s, args...)
	}
	return s
}

// tr returns the text of key in the app's language, filled with args.
func (a *App) tr(key string, args ...any) string { return uiTr(a.Lang, key, args...) }
