package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/store"
)

func auditCmd(cfgPath *string) *cobra.Command {
	ac := &cobra.Command{Use: "audit", Short: "Work with the audit trail (the JSONL file and the store)"}
	var fromStore bool
	var format string
	verify := &cobra.Command{
		Use:   "verify FILE | --store",
		Short: "Check the hash chain of an audit file or of the store: removed, reordered, edited or duplicated events",
		Long: `audit verify reads an audit stream from its start and checks its hash chain: each
event carries its position (chain.seq) and the SHA-256 of the event before it
(chain.prev), as written. It names each problem with its line (file) or rowid
(store): removed (seq numbers missing), reordered (a seq after a later one),
edited (an event whose bytes no longer match the hash the next one holds, or a
line that is not a chained event) and duplicated (a seq twice). It lists the gap
events the gateway wrote itself when a sink lost events (counted, not tampering).

  mcpwarden audit verify audit.jsonl
  mcpwarden audit verify --store --config mcpwarden.yaml

A stream that starts after seq 1 (retention deleted the oldest rows, or the
file was rotated) is reported as "starts at seq N", not as tampering. A chain
cannot show a truncated tail: compare the head it prints with a copy kept
elsewhere (a log shipper, or the other stream). Exit 0 when intact, 1 when
tampered, 2 for usage or read errors.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return exitError{code: 2, msg: fmt.Sprintf("--format must be text or json, got %q", format)}
			}
			var rep audit.Report
			var name string
			switch {
			case fromStore && len(args) == 0:
				cfg, _, err := loadConfig(*cfgPath)
				if err != nil {
					return exitError{code: 2, msg: err.Error()}
				}
				p := cfg.Store.Path
				if p == ":memory:" {
					return exitError{code: 2, msg: `store.path is ":memory:": there is no store to verify`}
				}
				if _, err := os.Stat(p); err != nil {
					return exitError{code: 2, msg: fmt.Sprintf("store.path %q: %v", p, err)}
				}
				st, err := store.Open(p)
				if err != nil {
					return exitError{code: 2, msg: fmt.Sprintf("store.path %q: %v", p, err)}
				}
				defer st.Close()
				if rep, err = st.VerifyChain(cmd.Context()); err != nil {
					return exitError{code: 2, msg: err.Error()}
				}
				name = p
			case !fromStore && len(args) == 1:
				f, err := os.Open(args[0])
				if err != nil {
					return exitError{code: 2, msg: err.Error()}
				}
				defer f.Close()
				if fi, err := f.Stat(); err == nil && fi.IsDir() {
					return exitError{code: 2, msg: args[0] + " is a directory"}
				}
				if rep, err = audit.VerifyJSONL(f); err != nil {
					return exitError{code: 2, msg: fmt.Sprintf("%s: %v", args[0], err)}
				}
				name = args[0]
			default:
				return exitError{code: 2, msg: "audit verify takes one FILE, or --store (with --config) and no FILE"}
			}
			if err := printReport(cmd.OutOrStdout(), name, &rep, format); err != nil {
				return exitError{code: 2, msg: err.Error()}
			}
			if !rep.Intact() {
				return exitError{code: 1, msg: fmt.Sprintf("%s: the audit chain is broken: %d problem(s)", name, len(rep.Problems)+rep.MoreProblems)}
			}
			return nil
		},
	}
	verify.Flags().BoolVar(&fromStore, "store", false, "verify the store of the gateway that --config configures (store.path)")
	verify.Flags().StringVar(&format, "format", "text", "text or json")
	verify.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return exitError{code: 2, msg: err.Error()} })
	ac.AddCommand(verify)
	return ac
}

func printReport(w io.Writer, name string, rep *audit.Report, format string) error {
	if format == "json" {
		out := struct {
			Stream string `json:"stream"`
			Intact bool   `json:"intact"`
			*audit.Report
		}{name, rep.Intact(), rep}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	state := "OK"
	if !rep.Intact() {
		state = fmt.Sprintf("TAMPERED (%d problem(s))", len(rep.Problems)+rep.MoreProblems)
	}
	fmt.Fprintf(w, "%s: %s: %d record(s)", name, state, rep.Records)
	if rep.LastSeq > 0 {
		fmt.Fprintf(w, ", seq %d..%d", rep.FirstSeq, rep.LastSeq)
	}
	fmt.Fprintln(w)
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "  %s %d: %s: %s\n", rep.Unit, p.Pos, p.Kind, p.Message)
	}
	if rep.MoreProblems > 0 {
		fmt.Fprintf(w, "  ... and %d more problem(s)\n", rep.MoreProblems)
	}
	for _, g := range rep.Gaps {
		what := fmt.Sprintf("%d event(s) lost by sink %s", g.Count, g.Sink)
		if g.Torn {
			what += ", after a torn line"
		}
		fmt.Fprintf(w, "  gap (recorded by the gateway) at %s %d, event %s: %s: %s\n", rep.Unit, g.Pos, g.EventID, what, g.Reason)
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	if rep.Head != "" {
		fmt.Fprintf(w, "  head: seq %d sha256 %s (keep it elsewhere: a chain cannot show a truncated tail)\n", rep.LastSeq, rep.Head)
	}
	return nil
}
