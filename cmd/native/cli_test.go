package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// runCLI runs socketlab in-process with the given stdin and returns what it
// printed and the exit status report() would give.
func runCLI(t *testing.T, ctx context.Context, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	var in io.Reader = strings.NewReader(stdin)
	err := run(ctx, args, stdio{In: in, Out: &out, Err: &errb})
	code = report(err, &errb)
	return out.String(), errb.String(), code
}

func TestUnknownCommand(t *testing.T) {
	_, stderr, code := runCLI(t, context.Background(), "", "no-such-command")
	if code != 2 {
		t.Fatalf("exit status = %d, want 2", code)
	}
	want := "socketlab: unknown command \"no-such-command\"; run 'socketlab help' for the list\n"
	if stderr != want {
		t.Fatalf("stderr = %q, want %q", stderr, want)
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	stdout, _, code := runCLI(t, context.Background(), "", "help")
	if code != 0 {
		t.Fatalf("exit status = %d, want 0", code)
	}
	for name, c := range commands {
		if !strings.Contains(stdout, name) || !strings.Contains(stdout, c.summary) {
			t.Errorf("help does not list %q with its summary", name)
		}
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	for name, c := range commands {
		stdout, stderr, code := runCLI(t, context.Background(), "", name, "--help")
		if code != 0 {
			t.Errorf("%s --help: exit status %d, stderr %q", name, code, stderr)
		}
		if !strings.HasPrefix(stdout, "Usage: socketlab "+name) || !strings.Contains(stdout, c.summary) {
			t.Errorf("%s --help printed %q", name, stdout)
		}
	}
}
