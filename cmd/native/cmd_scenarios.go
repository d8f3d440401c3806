package main

import (
	"context"
	"fmt"

	"socketlab/sim"
)

func init() {
	register(command{
		name:    "scenarios",
		args:    "[NAME]",
		summary: "list the simulator's built-in scenarios; with NAME, print that scenario's JSON (a template for your own)",
		run:     runScenarios,
	})
}

func runScenarios(_ context.Context, args []string, std stdio) error {
	c := commands["scenarios"]
	fs := newFlags(c, std)
	if err := parseFlags(fs, args, std); err != nil {
		return err
	}
	switch fs.NArg() {
	case 0:
		width := 0
		for _, p := range sim.Presets() {
			width = max(width, len(p.Name))
		}
		for _, p := range sim.Presets() {
			fmt.Fprintf(std.Out, "%-*s  %s\n", width, p.Name, p.Summary)
		}
		fmt.Fprintln(std.Out, "\nRun one with 'socketlab sim --scenario NAME --ladder'; 'socketlab scenarios NAME' prints its JSON.")
		return nil
	case 1:
		sc, err := sim.LoadPreset(fs.Arg(0))
		if err != nil {
			return usagef("scenarios: %v", err)
		}
		b, err := sc.Encode()
		if err != nil {
			return err
		}
		_, err = std.Out.Write(b)
		return err
	default:
		return usagef("scenarios: want at most one scenario name, got %d arguments", fs.NArg())
	}
}
