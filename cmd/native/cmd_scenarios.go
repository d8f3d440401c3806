package main

import (
	"context"
	"fmt"

	"socketlab/sim"
)

var scenariosCmd = &command{
	name:    "scenarios",
	args:    "[NAME]",
	summary: "list the simulator's built-in scenarios; with NAME, print that scenario's JSON (a template for your own)",
	parse:   parseScenarios,
}

func parseScenarios(c *command, args []string, std stdio) (action, error) {
	fs := newFlags(c)
	pos, err := parseArgs(fs, args, std)
	if err != nil {
		return nil, err
	}
	switch len(pos) {
	case 0:
		return func(context.Context) error {
			width := 0
			for _, p := range sim.Presets() {
				width = max(width, len(p.Name))
			}
			for _, p := range sim.Presets() {
				fmt.Fprintf(std.Out, "%-*s  %s\n", width, p.Name, p.Summary)
			}
			fmt.Fprintln(std.Out, "\nRun one with 'socketlab sim --scenario NAME --ladder'; 'socketlab scenarios NAME' prints its JSON.")
			return nil
		}, nil
	case 1:
		sc, err := sim.LoadPreset(pos[0])
		if err != nil {
			return nil, usagef("scenarios: %v", err)
		}
		return func(context.Context) error {
			b, err := sc.Encode()
			if err != nil {
				return err
			}
			_, err = std.Out.Write(b)
			return err
		}, nil
	default:
		return nil, usagef("scenarios: want at most one scenario name, got %d arguments", len(pos))
	}
}
