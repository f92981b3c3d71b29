package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/detect"
)

func rulesCmd() *cobra.Command {
	rc := &cobra.Command{Use: "rules", Short: "Work with detection rules (detect.rules files)"}
	var events, format string
	test := &cobra.Command{
		Use:   "test FILE",
		Short: "Check a rules file, run its tests (events → expected alerts), and replay recorded audit events (--events) against it",
		Long: `rules test compiles every rule of FILE (a clear error names the rule), then runs the
file's tests: each lists events (audit events as their JSON fields) and the rule ids
expected to raise alerts, exactly. With --events, a recorded audit file (JSON lines,
as audit.file writes) is replayed and the alerts are printed. Scheduled (sql) rules
are checked but not run. Exit 1 when a test fails, 2 when the file is invalid.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rf, err := detect.ReadRuleFile(args[0])
			if err != nil {
				return exitError{code: 2, msg: err.Error()}
			}
			rules, sched, err := rf.Compile(args[0])
			if err != nil {
				return exitError{code: 2, msg: err.Error()}
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s: %d rule(s) compiled (%d event rules, %d scheduled)\n", args[0], len(rules)+len(sched), len(rules), len(sched))
			failed := 0
			for i, tc := range rf.Tests {
				var evs []*audit.Event
				for j, m := range tc.Events {
					b, _ := json.Marshal(m)
					var ev audit.Event
					if err := json.Unmarshal(b, &ev); err != nil {
						return exitError{code: 2, msg: fmt.Sprintf("%s: tests[%d].events[%d]: %v", args[0], i, j, err)}
					}
					if ev.EventID == "" {
						ev.EventID = fmt.Sprintf("test-%d-%d", i, j)
					}
					evs = append(evs, &ev)
				}
				var got []string
				for _, a := range detect.Replay(rules, evs) {
					if !slices.Contains(got, a.Rule) {
						got = append(got, a.Rule)
					}
				}
				want := slices.Clone(tc.Expect)
				slices.Sort(got)
				slices.Sort(want)
				name := tc.Name
				if name == "" {
					name = fmt.Sprintf("tests[%d]", i)
				}
				if slices.Equal(got, want) {
					fmt.Fprintf(out, "PASS %s\n", name)
				} else {
					failed++
					fmt.Fprintf(out, "FAIL %s: alerts %v, expected %v\n", name, got, want)
				}
			}
			if events != "" {
				evs, err := readAuditFile(events)
				if err != nil {
					return exitError{code: 2, msg: err.Error()}
				}
				alerts := detect.Replay(rules, evs)
				if format == "json" {
					enc := json.NewEncoder(out)
					for _, a := range alerts {
						_ = enc.Encode(map[string]any{"rule": a.Rule, "severity": a.Severity, "summary": a.Summary, "session_id": a.SessionID,
							"principal": a.Principal.Subject, "event_ids": a.EventIDs})
					}
				} else {
					fmt.Fprintf(out, "%s: %d event(s) replayed, %d alert(s)\n", events, len(evs), len(alerts))
					for _, a := range alerts {
						fmt.Fprintf(out, "%-8s %-28s %s  [%s]\n", a.Severity, a.Rule, a.Summary, strings.Join(a.EventIDs, " "))
					}
				}
			}
			if failed > 0 {
				return exitError{code: 1, msg: fmt.Sprintf("%d test(s) failed", failed)}
			}
			return nil
		},
	}
	test.Flags().StringVar(&events, "events", "", "replay a recorded audit file (JSON lines) against the rules")
	test.Flags().StringVar(&format, "format", "table", "alerts of --events as table or json")
	rc.AddCommand(test)
	return rc
}

func readAuditFile(path string) ([]*audit.Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var evs []*audit.Event
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var ev audit.Event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		evs = append(evs, &ev)
	}
	return evs, sc.Err()
}
