package lookup

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// Outcome is the verdict of a forward-confirmed reverse look-up.
type Outcome int

// The outcomes of the textbook's double check, in its order.
const (
	// NoPTR: the address has no name. "This may be normal": many
	// addresses have no PTR record.
	NoPTR Outcome = iota + 1
	// NotResolvable: the address has a name, but that name has no address.
	NotResolvable
	// Mismatch: the name resolves, but not to the original address —
	// "someone is playing tricks" (anyone who controls the reverse zone of
	// an address can claim any name).
	Mismatch
	// Validated: the name resolves back to the original address.
	Validated
)

// String names the outcome.
func (o Outcome) String() string {
	switch o {
	case NoPTR:
		return "no PTR"
	case NotResolvable:
		return "not forward-resolvable"
	case Mismatch:
		return "mismatch"
	case Validated:
		return "validated"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// OK reports whether the outcome is not alarming: the textbook's script
// exits 0 for NoPTR and Validated and 1 otherwise.
func (o Outcome) OK() bool { return o == NoPTR || o == Validated }

// Check is the forward half for one PTR name.
type Check struct {
	Name  string
	Addrs []netip.Addr // the name's addresses; empty if Err is set
	Err   error        // the forward look-up failure (a "not found")
}

// Confirmation is the full result of Confirm.
type Confirmation struct {
	Addr    netip.Addr
	Outcome Outcome
	Names   []string // the PTR names of Addr, as the reverse look-up gave them
	Name    string   // the name the outcome is about ("" for NoPTR)
	Checks  []Check  // one per PTR name checked, in order, up to the first that confirms
	Err     error    // for NoPTR: the reverse look-up's "not found"
}

// Confirm does the forward-confirmed reverse look-up of the textbook: the
// names of addr (reverse), then the addresses of each name (forward), and
// the verdict whether addr is among them. The textbook checks only the
// first name; Confirm checks each in turn and stops at the first that
// confirms. A name that does not exist is an outcome, not an error; the
// error is for failures that prevent a verdict (a timeout, a server that
// fails), as a *core.Error.
func (c *Client) Confirm(ctx context.Context, addr netip.Addr) (*Confirmation, error) {
	addr = addr.Unmap()
	res := &Confirmation{Addr: addr}
	names, err := c.Reverse(ctx, addr)
	if err != nil {
		if !isNotFound(err) {
			return nil, err
		}
		res.Outcome, res.Err = NoPTR, err
		return res, nil
	}
	res.Names = names
	for _, name := range names {
		ck := Check{Name: name}
		// Ask for the absolute name so that no search domain is appended.
		c.query("A/AAAA " + name)
		addrs, err := c.resolver().LookupNetIP(ctx, "ip", name+".")
		if err != nil {
			werr := c.wrap(PhaseForward, name, err)
			c.failed(werr)
			if !isNotFound(err) {
				return nil, werr
			}
			ck.Err = werr
		}
		var texts []string
		for _, a := range addrs {
			ck.Addrs = append(ck.Addrs, a.Unmap())
			texts = append(texts, a.Unmap().String())
		}
		if err == nil {
			c.answer(texts)
		}
		res.Checks = append(res.Checks, ck)
		for _, a := range ck.Addrs {
			if a == addr {
				res.Outcome, res.Name = Validated, name
				return res, nil
			}
		}
	}
	// No name confirmed: report the first name that resolved elsewhere
	// (tricks), or else the first name (does not resolve).
	res.Outcome, res.Name = NotResolvable, res.Checks[0].Name
	for _, ck := range res.Checks {
		if ck.Err == nil {
			res.Outcome, res.Name = Mismatch, ck.Name
			break
		}
	}
	return res, nil
}

func isNotFound(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}

// check returns the Check for name.
func (r *Confirmation) check(name string) Check {
	for _, ck := range r.Checks {
		if ck.Name == name {
			return ck
		}
	}
	return Check{}
}

// String is the textbook's message for the outcome; Mismatch takes two
// lines, as in the original script.
func (r *Confirmation) String() string {
	switch r.Outcome {
	case NoPTR:
		return fmt.Sprintf("No host names available for %s; this may be normal.", r.Addr)
	case NotResolvable:
		return fmt.Sprintf("Got hostname %s, but it could not be forward-resolved: %s", r.Name, causeOf(r.check(r.Name).Err))
	case Mismatch:
		return fmt.Sprintf("Got hostname %s, but on forward lookup,\noriginal IP %s did not appear in IP address list %s.",
			r.Name, r.Addr, addrList(r.check(r.Name).Addrs))
	case Validated:
		return "Validated hostname: " + r.Name
	}
	return r.Outcome.String()
}

// causeOf is the innermost message of a look-up error: "no such host".
func causeOf(err error) string {
	var de *net.DNSError
	if errors.As(err, &de) {
		return de.Err
	}
	if err == nil {
		return "no address"
	}
	return err.Error()
}

func addrList(addrs []netip.Addr) string {
	s := make([]string, len(addrs))
	for i, a := range addrs {
		s[i] = a.String()
	}
	return "[" + strings.Join(s, ", ") + "]"
}
