package tcp

import (
	"testing"
	"time"

	"socketlab/sim/trace"
)

// FuzzHandle feeds arbitrary segments, writes, reads and timer expiries to
// a connection (each in a passive open and an active open) and checks that
// nothing panics and the sequence variables stay ordered:
// SND.UNA <= SND.NXT <= the highest sequence sent, buffered data within the
// buffer. Every 12 bytes of input are one step.
func FuzzHandle(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x01\x00\x00\x00\x01\x10\xff\xff\x05"))
	f.Add([]byte("\xff\xff\xff\xf1\xff\xff\xff\x01\x11\x00\x10\x00" + "\x00\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00"))
	f.Add([]byte("\x01\x02\x03\x04\x05\x06\x07\x08\x02\x00\x00\x00" + "\xff\x00\x00\x00\x00\x00\x00\x00\x80\x00\x00\x09"))
	f.Fuzz(fuzzBody)
}

// fuzzBody runs one FuzzHandle input.

func fuzzBody(t *testing.T, in []byte) {
	for i := range 4 {
		passive, modern := i&1 != 0, i&2 != 0
		cfg := baseConfig()
		cfg.RcvBuf = 3000
		if modern { // RFC 7323: window scaling with a buffer above 65535, timestamps
			cfg.WindowScale, cfg.WScaleShift, cfg.Timestamps, cfg.RcvBuf = true, 2, true, 100_000
		}
		cfg.DelayedAck = 100 * time.Millisecond
		cfg.MaxRetries = 4
		cfg.MSL = time.Second
		cfg.Transmit = func(time.Duration, Segment) {}
		cfg.Trace = trace.Discard
		var c *Conn
		var now time.Duration
		if passive {
			syn := Segment{Seq: peerISS, Flags: trace.FlagSYN, Window: 4000, MSS: 500}
			if modern {
				syn.Opts, syn.WScale, syn.TSval = trace.OptWScale|trace.OptTimestamps, 3, 100
			}
			c = Accept(now, cfg, syn)
		} else {
			c = Dial(now, cfg)
		}
		buf := make([]byte, 700)
		for rest := in; len(rest) >= 12; rest = rest[12:] {
			step := rest[:12]
			seq := peerISS + Seq(uint32(step[0])<<24|uint32(step[1])<<16|uint32(step[2])<<8|uint32(step[3]))
			ack := iss + Seq(uint32(step[4])<<24|uint32(step[5])<<16|uint32(step[6])<<8|uint32(step[7]))
			switch op := step[8]; {
			case op == 0xff:
				now += time.Duration(step[9]) * 50 * time.Millisecond
				c.Poll(now)
			case op == 0xfe:
				c.Write(now, payload(int(step[9])*20))
			case op == 0xfd:
				c.Read(now, buf[:int(step[9])%len(buf)])
			case op == 0xfc:
				c.CloseWrite(now)
			case op == 0xfb:
				c.Close(now)
			default:
				s := Segment{Seq: seq, Ack: ack, Flags: trace.TCPFlags(op & 0x1f), Window: uint16(step[9])<<8 | uint16(step[10]), MSS: uint16(step[11]) << 3, Payload: payload(int(step[11]) * 7)}
				if op&0x20 != 0 { // timestamps: TSval from the window's bytes, TSecr our clock
					s.Opts, s.TSval, s.TSecr = trace.OptTimestamps, uint32(step[9])<<24|uint32(step[10]), uint32(now/time.Millisecond)+uint32(iss)
				}
				if op&0x40 != 0 {
					s.Opts, s.WScale = s.Opts|trace.OptWScale, step[11]%16
				}
				c.Handle(now, s)
			}
			if c.sndNxt.LessThan(c.sndUna) || c.sndMax.LessThan(c.sndNxt) {
				t.Fatalf("SND.UNA %#x SND.NXT %#x max %#x", c.sndUna, c.sndNxt, c.sndMax)
			}
			if c.rcvLen < 0 || c.rcvLen > c.cfg.RcvBuf || c.queued() < 0 || c.queued() > c.cfg.SndBuf {
				t.Fatalf("buffers: %d received, %d queued", c.rcvLen, c.queued())
			}
			if at, ok := c.NextTimeout(); ok && at < now {
				t.Fatalf("a timer is overdue after Poll: %v < %v", at, now)
			}
		}
	}
}
