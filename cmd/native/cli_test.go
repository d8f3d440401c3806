package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// runBinary re-executes the test binary as socketlab itself: for what
	// can happen once per process (ebiten opens one window per process)
	// and for exit statuses.
	if args, ok := os.LookupEnv("SOCKETLAB_TEST_ARGS"); ok {
		os.Args = append([]string{"socketlab"}, strings.Fields(args)...)
		main()
		return
	}
	goleak.VerifyTestMain(m)
}

// runBinary runs socketlab with args in a child process with extra
// environment variables and returns its stderr and exit status.
func runBinary(t *testing.T, env []string, args ...string) (stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0])
	cmd.Env = append(append(os.Environ(), "SOCKETLAB_TEST_ARGS="+strings.Join(args, " ")), env...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("run socketlab %q: %v", args, err)
	}
	return errb.String(), code
}

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
	for _, c := range commands {
		if !strings.Contains(stdout, "  "+c.name+" ") || !strings.Contains(stdout, c.summary) {
			t.Errorf("help does not list %q with its summary", c.name)
		}
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	for _, c := range commands {
		for _, help := range []string{"--help", "-h", "-help"} {
			stdout, stderr, code := runCLI(t, context.Background(), "", c.name, help)
			if code != 0 || stderr != "" {
				t.Errorf("%s %s: exit status %d, stderr %q", c.name, help, code, stderr)
			}
			if !strings.HasPrefix(stdout, "Usage: socketlab "+c.name+" ") || !strings.Contains(stdout, c.summary) {
				t.Errorf("%s %s printed %q", c.name, help, stdout)
			}
		}
		// help COMMAND is COMMAND --help.
		stdout, _, code := runCLI(t, context.Background(), "", "help", c.name)
		if code != 0 || !strings.HasPrefix(stdout, "Usage: socketlab "+c.name+" ") {
			t.Errorf("help %s: exit %d, stdout %q", c.name, code, stdout)
		}
	}
}
