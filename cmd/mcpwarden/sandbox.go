package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/mcpwarden/mcpwarden/internal/sandbox"
)

// sandboxCmds are the hidden commands the gateway runs inside sandboxes:
// sandbox-init (the forwarder to the egress proxy, first process of a
// bwrap or runsc sandbox) and sandbox-exec (the Landlock launcher).
func sandboxCmds() []*cobra.Command {
	initCmd := &cobra.Command{
		Use:                "sandbox-init --socket PATH --listen ADDR -- COMMAND [ARGS...]",
		Short:              "Internal: first process of a sandbox with egress",
		Hidden:             true,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			flags, argv, err := splitFlags(args, "--socket", "--listen")
			if err != nil {
				return fmt.Errorf("sandbox-init: %w", err)
			}
			os.Exit(sandbox.RunInit(flags["--socket"], flags["--listen"], argv))
			return nil
		},
	}
	execCmd := &cobra.Command{
		Use:                "sandbox-exec --spec-fd FD -- COMMAND [ARGS...]",
		Short:              "Internal: apply Landlock and seccomp, then exec a server",
		Hidden:             true,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			flags, argv, err := splitFlags(args, "--spec-fd")
			if err != nil {
				return fmt.Errorf("sandbox-exec: %w", err)
			}
			fd, err := strconv.Atoi(flags["--spec-fd"])
			if err != nil || fd < 3 {
				return fmt.Errorf("sandbox-exec: --spec-fd must be a descriptor number >= 3")
			}
			return sandbox.RunLauncher(fd, argv)
		},
	}
	return []*cobra.Command{initCmd, execCmd}
}

// splitFlags reads "--name value" pairs (each of names required) up to
// "--", and returns what follows it.
func splitFlags(args []string, names ...string) (map[string]string, []string, error) {
	out := map[string]string{}
	known := map[string]bool{}
	for _, n := range names {
		known[n] = true
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			for _, n := range names {
				if out[n] == "" {
					return nil, nil, fmt.Errorf("%s is required", n)
				}
			}
			return out, args[i+1:], nil
		}
		if !known[a] || i+1 >= len(args) {
			return nil, nil, fmt.Errorf("unexpected argument %q", a)
		}
		out[a] = args[i+1]
		i++
	}
	return nil, nil, fmt.Errorf("missing \"--\" before the command")
}
