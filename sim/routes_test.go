package sim

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// referenceRoutes is the plain definition buildRoutes optimises: for every
// host with addresses, a breadth-first search from it through routers
// gives every node reached the direction of its link towards it, ties to
// the link listed first.
func referenceRoutes(s *Sim) map[*Host]map[netip.Addr]int32 {
	routes := map[*Host]map[netip.Addr]int32{}
	for _, h := range s.hosts {
		routes[h] = map[netip.Addr]int32{}
	}
	for _, dst := range s.hosts {
		if len(dst.addrs) == 0 {
			continue
		}
		seen := map[*Host]bool{dst: true}
		frontier := []*Host{dst}
		for len(frontier) > 0 {
			var next []*Host
			for _, n := range frontier {
				if n != dst && !n.router {
					continue
				}
				for _, d := range n.links {
					nb := d.to
					if seen[nb] {
						continue
					}
					seen[nb] = true
					for _, a := range dst.addrs {
						routes[nb][a] = s.dirs[d.idx^1].idx
					}
					next = append(next, nb)
				}
			}
			frontier = next
		}
	}
	return routes
}

// TestRoutesMatchTheDefinition builds random topologies — routers in a
// random graph, hosts with one to three links to routers or to each
// other, some nodes unreachable — and checks Host.route against the plain
// per-host search for every node and every address.
func TestRoutesMatchTheDefinition(t *testing.T) {
	for seed := range uint64(60) {
		r := rand.New(rand.NewPCG(seed, 9))
		sc := &Scenario{Name: "routes", Seed: 1, Duration: Duration(time.Second)}
		nr, nh := r.IntN(6), 2+r.IntN(14)
		var names []string
		for i := range nr {
			name := fmt.Sprintf("r%d", i)
			sc.Routers = append(sc.Routers, NodeSpec{Name: name, Addrs: []string{fmt.Sprintf("10.9.0.%d", i+1)}})
			names = append(names, name)
		}
		for i := range nh {
			name := fmt.Sprintf("h%d", i)
			sc.Hosts = append(sc.Hosts, NodeSpec{Name: name, Addrs: []string{fmt.Sprintf("10.0.0.%d", i+1), fmt.Sprintf("fd00::%d", i+1)}})
			names = append(names, name)
		}
		linked := map[[2]string]bool{}
		link := func(a, b string) {
			if a == b || linked[[2]string{a, b}] || linked[[2]string{b, a}] {
				return
			}
			linked[[2]string{a, b}] = true
			sc.Links = append(sc.Links, LinkSpec{ID: fmt.Sprintf("l%d", len(sc.Links)), A: a, B: b})
		}
		for i := range nr * 2 {
			_ = i
			if nr > 1 {
				link(fmt.Sprintf("r%d", r.IntN(nr)), fmt.Sprintf("r%d", r.IntN(nr)))
			}
		}
		for i := range nh {
			for range 1 + r.IntN(3) {
				if nr > 0 && r.IntN(4) > 0 {
					link(fmt.Sprintf("h%d", i), fmt.Sprintf("r%d", r.IntN(nr)))
				} else {
					link(fmt.Sprintf("h%d", i), fmt.Sprintf("h%d", r.IntN(nh)))
				}
			}
		}
		s, err := New(sc, nil)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		want := referenceRoutes(s)
		for _, h := range s.hosts {
			for _, dst := range s.hosts {
				for _, a := range dst.addrs {
					w, wok := want[h][a]
					g, gok := h.route(a)
					if wok != gok || (wok && w != g) {
						t.Fatalf("seed %d: %s → %s (%v): route %d,%v; want %d,%v", seed, h.name, dst.name, a, g, gok, w, wok)
					}
				}
			}
		}
	}
}
