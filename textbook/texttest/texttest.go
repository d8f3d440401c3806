// Package texttest runs the textbook's servers — the Python scripts and
// their Go equivalents — for tests: a server started with port 0 prints
// the port it got on its first line, and StartServer reads it.
package texttest

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// StartServer runs argv (a built Go equivalent, or python3 with a
// textbook script) with host and port 0 as its last arguments, reads the
// port it prints first, returns host:port, and kills the server at the end
// of the test.
func StartServer(t testing.TB, host string, argv ...string) string {
	t.Helper()
	cmd := exec.Command(argv[0], append(argv[1:], host, "0")...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	drained := make(chan struct{})
	port := make(chan string, 1)
	go func() {
		defer close(drained)
		br := bufio.NewReader(out)
		line, _ := br.ReadString('\n')
		port <- strings.TrimSpace(line)
		io.Copy(io.Discard, br) // until the process dies
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-drained
		cmd.Wait()
	})
	select {
	case p := <-port:
		if p == "" {
			<-drained
			cmd.Wait()
			t.Fatalf("%s printed no port; stderr:\n%s", argv, stderr.String())
		}
		return net.JoinHostPort(host, p)
	case <-time.After(15 * time.Second):
		t.Fatalf("%s did not print its port within 15s", argv)
	}
	return ""
}
