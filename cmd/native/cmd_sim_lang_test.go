package main

import (
	"context"
	"strings"
	"testing"
)

func TestSimLadderCaptions(t *testing.T) {
	out, errOut, code := runCLI(t, context.Background(), "", "sim", "--scenario", "lost-syn", "--ladder", "--lang", "zh", "--width", "120")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"三次握手", "超时重传", "[retransmission]", "RTO fired"} {
		if !strings.Contains(out, want) {
			t.Errorf("zh ladder lacks %q", want)
		}
	}
	out, _, _ = runCLI(t, context.Background(), "", "sim", "--scenario", "lost-syn", "--ladder", "--lang", "en")
	if !strings.Contains(out, "the client sends the SYN again") && !strings.Contains(out, "SYN again") {
		t.Errorf("en ladder does not explain the SYN retransmission:\n%s", out)
	}
	_, errOut, code = runCLI(t, context.Background(), "", "sim", "--scenario", "lost-syn", "--ladder", "--lang", "fr")
	if code != 2 || errOut != "socketlab: sim: --lang \"fr\": want en or zh\n" {
		t.Errorf("--lang fr: exit %d, stderr %q", code, errOut)
	}
}

func TestSimLadderAbsolute(t *testing.T) {
	rel, _, _ := runCLI(t, context.Background(), "", "sim", "--scenario", "handshake", "--ladder")
	abs, _, code := runCLI(t, context.Background(), "", "sim", "--scenario", "handshake", "--ladder", "--absolute")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(rel, "SYN seq=0 ") || strings.Contains(abs, "SYN seq=0 ") {
		t.Errorf("--absolute should replace the relative seq=0 of the SYN with the ISN")
	}
}
