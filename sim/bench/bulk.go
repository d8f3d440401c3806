package bench

import (
	_ "embed"

	"socketlab/sim"
)

//go:embed ns3/bulk.json
var bulkJSON []byte

// Bulk returns scenario (A), ns3/bulk.json: one bulk flow over 100 Mbit/s,
// 10 ms, a 100-packet DropTail queue, MSS 1448, 1 MiB buffers with window
// scaling, for 60 s. Tests and benchmarks elsewhere use it as a long,
// dense run (about 74,000 trace events per virtual second).
func Bulk() *sim.Scenario {
	sc, err := sim.ParseScenario(bulkJSON)
	if err != nil {
		panic("bench: ns3/bulk.json: " + err.Error()) // embedded, and checked by TestBenchScenarios
	}
	return sc
}
