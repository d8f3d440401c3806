package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestServicesCLI(t *testing.T) {
	file := filepath.Join(t.TempDir(), "services")
	if err := os.WriteFile(file, []byte("http 80/tcp www # web\nhttp 80/udp\nchat 5555/tcp talk\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args           []string
		code           int
		stdout, stderr string
	}{
		{[]string{"services", "--file", file, "http/tcp", "80/udp", "talk", "5555"}, 0,
			"table: " + file + " (3 services)\n" +
				"getservbyname('http', 'tcp') = 80   [http 80/tcp www]\n" +
				"getservbyport(80, 'udp') = 'http'   [http 80/udp]\n" +
				"getservbyname('talk') = 5555   [chat 5555/tcp talk]\n" +
				"getservbyport(5555) = 'chat'   [chat 5555/tcp talk]\n", ""},
		{[]string{"services", "--list", "--file", file}, 0,
			"table: " + file + " (3 services)\nhttp 80/tcp www\nhttp 80/udp\nchat 5555/tcp talk\n", ""},
		{[]string{"services", "--builtin", "http/tcp"}, 0,
			"table: built-in table (55 services)\ngetservbyname('http', 'tcp') = 80   [http 80/tcp www]\n", ""},
		{[]string{"services", "--file", file, "htp/tcp"}, 1, "table: " + file + " (3 services)\n",
			"socketlab: service \"htp\"/tcp not found in " + file + "; see 'socketlab services --list'\n"},
		{[]string{"services", "--file", file, "81/tcp"}, 1, "table: " + file + " (3 services)\n",
			"socketlab: port 81/tcp not found in " + file + "; see 'socketlab services --list'\n"},
		{[]string{"services", "--file", file, "http", "70000/tcp"}, 2, "",
			"socketlab: services: \"70000/tcp\": a port is a number from 0 to 65535\n"},
		{[]string{"services", "--file", file, "/tcp"}, 2, "",
			"socketlab: services: \"/tcp\": give a name or a port before the /\n"},
		{[]string{"services"}, 2, "", "socketlab: services: give a service like http/tcp or a port like 80/tcp, or --list\n"},
		{[]string{"services", "--file", file, "--builtin", "http"}, 2, "", "socketlab: services: give --file or --builtin, not both\n"},
		{[]string{"services", "--file", filepath.Join(t.TempDir(), "none"), "http"}, 1, "",
			"socketlab: services: open " + filepath.Join(t.TempDir(), "none") + ": no such file or directory\n"},
	} {
		stdout, stderr, code := runCLI(t, context.Background(), "", c.args...)
		if c.code == 1 && c.stderr[len(c.stderr)-len(": no such file or directory\n"):] == ": no such file or directory\n" {
			// TempDir differs per call; compare the shape only.
			if code != 1 || stdout != "" || len(stderr) == 0 {
				t.Errorf("%v: exit %d, stdout %q, stderr %q", c.args, code, stdout, stderr)
			}
			continue
		}
		if code != c.code || stdout != c.stdout || stderr != c.stderr {
			t.Errorf("%v: exit %d\nstdout %q\nwant   %q\nstderr %q\nwant   %q", c.args, code, stdout, c.stdout, stderr, c.stderr)
		}
	}
}
