package caption

import "strings"

// presetTexts translates the built-in presets' one-line descriptions (the
// trace title the playground shows, and the scenario picker's lines),
// keyed by their English text. TestPresetsInChinese checks that every
// preset's description has its entry.
var presetTexts = []struct{ en, zh string }{
	{"TCP three-way handshake, one request and reply, and the close (tsTclnt.py -> tsTserv.py)",
		"TCP 三次握手、一次请求和应答，然后关闭（tsTclnt.py -> tsTserv.py）"},
	{"a 20 kB bulk transfer over 10 Mb/s with delayed ACKs: segments, ACKs and the window",
		"10 Mb/s 上批量传输 20 kB，延迟确认：报文段、ACK 和窗口"},
	{"FIN/ACK in both directions, then TIME-WAIT for 2*MSL before CLOSED",
		"双向 FIN/ACK，然后在 TIME-WAIT 停留 2*MSL，再到 CLOSED"},
	{"the first SYN is lost: the client retransmits it after the initial RTO of 1 s",
		"第一个 SYN 丢失：客户端在初始 RTO（1 秒）后重传它"},
	{"the SYN-ACK is lost: the server retransmits it, the client's SYN retransmission is answered too",
		"SYN-ACK 丢失：服务器重传它，客户端重传的 SYN 也得到应答"},
	{"the second message is lost and nothing follows it: the textbook's TCP repairs it by its retransmission timeout, Linux's (key K) by a tail loss probe",
		"第二条消息丢失，后面没有数据：教科书的 TCP 靠超时重传补救，Linux 的（K 键）靠尾部丢包探测"},
	{"one segment of a bulk transfer is lost: three duplicate ACKs trigger fast retransmit and NewReno recovery",
		"批量传输丢了一个报文段：三个重复 ACK 触发快速重传和 NewReno 恢复"},
	{"one segment is held back 3 ms and two overtake it: the receiver buffers them and sends two duplicate ACKs, too few for fast retransmit",
		"一个报文段晚到 3 ms，后两个超过它：接收方缓存它们，发出两个重复 ACK，不足以触发快速重传"},
	{"a link that duplicates 20% of packets: the receiver discards the copies, data arrives once",
		"链路复制 20% 的分组：接收方丢弃副本，数据只交付一次"},
	{"a slow reader with a 4 kB receive buffer: the window closes, the sender probes with the persist timer",
		"读得慢的接收方，接收缓冲区 4 kB：窗口关闭，发送方用持续计时器探测"},
	{"three flows through a 1 Mb/s bottleneck with an 8-packet queue: slow start, tail drops, congestion avoidance",
		"三条流经过 1 Mb/s、队列 8 个分组的瓶颈：慢启动、尾部丢弃、拥塞避免"},
	{"connect to a port where nothing listens: the server host answers the SYN with RST, connect fails",
		"连接无人监听的端口：服务器主机用 RST 回应 SYN，connect 失败"},
	{"the UDP timestamp client and server over IPv6: each datagram is answered with [ctime] data (tsUclnt.py)",
		"IPv6 上的 UDP 时间戳客户端和服务器：每个数据报得到 [ctime] 数据的应答（tsUclnt.py）"},
	{"a connected UDP socket sends to a closed port: ICMP port unreachable, and recv fails with connection refused",
		"已连接的 UDP 套接字发往关闭的端口：ICMP 端口不可达，recv 因连接被拒绝而失败"},
	{"UDP echo over a lossy link (20% loss, 10% duplication, 20% reordering): datagrams vanish, repeat and overtake",
		"有损链路上的 UDP 回显（20% 丢包、10% 重复、20% 乱序）：数据报会丢失、重复、乱序"},
	{"three clients, 200 ms of work per request: the iterative server (port 21567) serves them one by one, the concurrent one (21568) at once",
		"三个客户端，每个请求处理 200 ms：迭代服务器（端口 21567）逐个服务，并发服务器（21568）同时服务"},
	{"both ends sendall 100 kB and never recv: both windows close, both stay blocked in sendall (the textbook's deadlock)",
		"两端都 sendall 100 kB 而从不 recv：两边窗口都关闭，都阻塞在 sendall 中（教科书里的死锁）"},
}

// rolePhrases translates whole roles that are not "word [rest]" with a
// word of roleNames or roleWordsZH.
var rolePhrases = []struct{ en, zh string }{
	{"bottleneck router", "瓶颈路由器"},
	{"sink", "接收方"},
}

// roleWordsZH are role words that only Chinese translates: in English
// they keep their own text ("sender 1", not "the sender 1").
var roleWordsZH = []struct{ en, zh string }{
	{"sender", "发送方"},
}

// Text returns a built-in preset's description in lang: its Chinese
// translation, or s itself in English or when it has none (a scenario of
// the user's own).
func Text(s string, lang Lang) string {
	if lang == Chinese {
		for _, t := range presetTexts {
			if t.en == s {
				return t.zh
			}
		}
	}
	return s
}

// RoleText returns a node's role for a label in lang: "client 1" →
// "客户端 1", "bottleneck router" → "瓶颈路由器"; in English, or for a
// role it does not know, the role itself.
func RoleText(role string, lang Lang) string {
	if zh, ok := roleZH(role); ok && lang == Chinese {
		return zh
	}
	return role
}

// roleZH translates a role: a whole phrase, or its first word followed
// by the rest ("client 1" → "客户端 1").
func roleZH(role string) (string, bool) {
	low := strings.ToLower(role)
	for _, p := range rolePhrases {
		if p.en == low {
			return p.zh, true
		}
	}
	word, rest, _ := strings.Cut(low, " ")
	for _, tab := range [][]struct{ en, zh string }{roleNames, roleWordsZH} {
		for _, r := range tab {
			if r.en == word {
				if rest != "" {
					return r.zh + " " + role[len(word)+1:], true
				}
				return r.zh, true
			}
		}
	}
	return "", false
}
