package dnstest

// Zone is a teaching zone under example.test (RFC 2606) with addresses from
// the documentation ranges (RFC 5737, RFC 3849), so that it can never be
// confused with a real host or with /etc/hosts. It covers every outcome of
// the forward-confirmed reverse look-up:
//
//	192.0.2.10, 2001:db8::10  PTR web.example.test, which resolves back: validated
//	192.0.2.20                no PTR: "this may be normal"
//	192.0.2.30                PTR ghost.example.test, which does not exist
//	192.0.2.40                PTR liar.example.test, which resolves to 198.51.100.40: tricks
//	192.0.2.50                PTR ghost.example.test and multi.example.test; the second confirms
//
// and the shapes of a forward look-up: a CNAME (www → web), IPv4 only,
// IPv6 only, two A records (round-robin).
var Zone = []string{
	"www.example.test.    300 IN CNAME web.example.test.",
	"web.example.test.    300 IN A     192.0.2.10",
	"web.example.test.    300 IN AAAA  2001:db8::10",
	"10.2.0.192.in-addr.arpa. 300 IN PTR web.example.test.",
	"0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 300 IN PTR web.example.test.",

	"30.2.0.192.in-addr.arpa. 300 IN PTR ghost.example.test.",

	"40.2.0.192.in-addr.arpa. 300 IN PTR liar.example.test.",
	"liar.example.test.   300 IN A     198.51.100.40",

	"50.2.0.192.in-addr.arpa. 300 IN PTR ghost.example.test.",
	"50.2.0.192.in-addr.arpa. 300 IN PTR multi.example.test.",
	"multi.example.test.  300 IN A     192.0.2.50",

	"v4only.example.test. 300 IN A     192.0.2.60",
	"v6only.example.test. 300 IN AAAA  2001:db8::60",
	"round.example.test.  300 IN A     192.0.2.71",
	"round.example.test.  300 IN A     192.0.2.72",
}
