package main

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/gateway"
	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/pin"
	"github.com/mcpwarden/mcpwarden/internal/store"
)

// policyCase is one case of a policy test file.
type policyCase struct {
	Name       string         `yaml:"name" json:"name"`
	Server     string         `yaml:"server" json:"server"`
	Tool       string         `yaml:"tool" json:"tool"`
	Method     string         `yaml:"method" json:"method,omitempty"` // default tools/call
	URI        string         `yaml:"uri" json:"uri,omitempty"`       // resources/read
	Arguments  map[string]any `yaml:"arguments" json:"arguments,omitempty"`
	Definition map[string]any `yaml:"definition" json:"-"` // the tool definition, for schema checks
	Principal  struct {
		Subject  string   `yaml:"subject"`
		ClientID string   `yaml:"client_id"`
		Scopes   []string `yaml:"scopes"`
		Issuer   string   `yaml:"issuer"`
	} `yaml:"principal" json:"-"`
	Expect string `yaml:"expect" json:"expect"` // allow | deny | hold
	Guard  string `yaml:"guard" json:"guard_expected,omitempty"`
}

type policyFile struct {
	Cases []policyCase `yaml:"cases"`
}

type caseResult struct {
	policyCase
	Got    string `json:"got"`
	By     string `json:"guard"`
	Reason string `json:"reason"`
	Pass   bool   `json:"pass"`
}

func policyCmd(cfgPath *string) *cobra.Command {
	pc := &cobra.Command{Use: "policy", Short: "Work with the policy of a configuration"}
	var format string
	test := &cobra.Command{
		Use:   "test FILE",
		Short: "Run policy test cases (call and principal -> expected decision) against --config, offline",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, _, err := loadConfig(*cfgPath)
			if err != nil {
				return err
			}
			b, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			var pf policyFile
			dec := yaml.NewDecoder(strings.NewReader(string(b)))
			dec.KnownFields(true)
			if err := dec.Decode(&pf); err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if len(pf.Cases) == 0 {
				return fmt.Errorf("%s: no cases", args[0])
			}
			gw, err := gateway.New(cfg, gateway.Options{}) // starts nothing: no upstream is reached
			if err != nil {
				return err
			}
			defer gw.Close()
			results, failed := runPolicyCases(cmd.Context(), gw, pf.Cases)
			out := cmd.OutOrStdout()
			if format == "json" {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(results); err != nil {
					return err
				}
			} else {
				tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "RESULT\tCASE\tEXPECT\tGOT\tGUARD\tREASON")
				for _, r := range results {
					res := "ok"
					if !r.Pass {
						res = "FAIL"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", res, r.Name, r.Expect, r.Got, r.By, r.Reason)
				}
				tw.Flush()
				fmt.Fprintf(out, "%d/%d cases pass\n", len(results)-failed, len(results))
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d policy cases fail", failed, len(results))
			}
			return nil
		},
	}
	test.Flags().StringVar(&format, "format", "table", "output: table or json")
	pc.AddCommand(test)
	return pc
}

func runPolicyCases(ctx context.Context, gw *gateway.Gateway, cases []policyCase) ([]caseResult, int) {
	var out []caseResult
	failed := 0
	for i, c := range cases {
		if c.Name == "" {
			c.Name = fmt.Sprintf("case %d", i+1)
		}
		method := c.Method
		if method == "" {
			method = "tools/call"
		}
		args, _ := json.Marshal(c.Arguments)
		if c.Arguments == nil {
			args = []byte("{}")
		}
		call := &guard.Call{Method: method, Server: c.Server, Name: c.Tool, ExposedName: c.Tool, URI: c.URI, Arguments: args,
			Principal: guard.Principal{Subject: c.Principal.Subject, ClientID: c.Principal.ClientID, Scopes: c.Principal.Scopes,
				Issuer: c.Principal.Issuer, AuthMethod: "jwt"}}
		if c.Principal.Subject == "" {
			call.Principal = guard.Anonymous
		}
		if c.Definition != nil {
			def, _ := json.Marshal(c.Definition)
			call.Definition = def
			call.SchemaHash, _ = pin.SchemaHash(def)
		}
		d, would := gw.Decide(ctx, call)
		got := d.Action.String()
		if would {
			got = "allow (audit mode: would deny)"
		}
		r := caseResult{policyCase: c, Got: got, By: d.Guard, Reason: d.Reason}
		r.Pass = strings.HasPrefix(got, c.Expect) && (c.Guard == "" || c.Guard == d.Guard)
		if !r.Pass {
			failed++
		}
		out = append(out, r)
	}
	return out, failed
}

func explainCmd(cfgPath *string) *cobra.Command {
	return &cobra.Command{
		Use:   "explain CORRELATION_ID",
		Short: "Print why a past call was allowed, denied or held (from the store, else the audit file)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, _, err := loadConfig(*cfgPath)
			if err != nil {
				return err
			}
			id := args[0]
			var evs []*audit.Event
			if cfg.Audit.Store == nil || *cfg.Audit.Store {
				if st, err := store.Open(cfg.Store.Path); err == nil {
					evs, _ = st.QueryEvents(cmd.Context(), store.Filter{CorrelationID: id})
					st.Close()
				}
			}
			if len(evs) == 0 && cfg.Audit.File != "" && cfg.Audit.File != "-" {
				evs, err = scanAuditFile(cfg.Audit.File, id)
				if err != nil {
					return err
				}
			}
			if len(evs) == 0 {
				return fmt.Errorf("no audit event with correlation id %q (store %s, file %q)", id, cfg.Store.Path, cfg.Audit.File)
			}
			out := cmd.OutOrStdout()
			for _, ev := range evs {
				explainEvent(out, ev)
			}
			return nil
		},
	}
}

func scanAuditFile(path, id string) ([]*audit.Event, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []*audit.Event
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !strings.Contains(string(line), id) {
			continue
		}
		var ev audit.Event
		if json.Unmarshal(line, &ev) == nil && ev.CorrelationID == id {
			out = append(out, &ev)
		}
	}
	return out, sc.Err()
}

func explainEvent(w io.Writer, ev *audit.Event) {
	verb := map[string]string{"allow": "ALLOWED", "deny": "DENIED", "hold": "HELD"}[ev.Decision.Action]
	if ev.Decision.WouldDeny {
		verb = "ALLOWED in audit mode (would have been DENIED)"
	}
	what := ev.Type
	if ev.Tool != "" {
		what += " " + ev.Server + "/" + ev.Tool
	} else if ev.Resource != "" {
		what += " " + ev.Server + " " + ev.Resource
	}
	fmt.Fprintf(w, "%s  %s\n", ev.Time.Format("2006-01-02T15:04:05.000Z07:00"), what)
	who := ev.Principal.Subject
	if ev.Principal.ClientID != "" {
		who += " (client " + ev.Principal.ClientID + ")"
	}
	if len(ev.Principal.Scopes) > 0 {
		who += " scopes " + strings.Join(ev.Principal.Scopes, " ")
	}
	fmt.Fprintf(w, "  principal: %s\n  session:   %s\n", who, ev.SessionID)
	if len(ev.Arguments) > 0 {
		fmt.Fprintf(w, "  arguments: %s\n", ev.Arguments)
	}
	fmt.Fprintf(w, "  decision:  %s", verb)
	if ev.Decision.Guard != "" {
		fmt.Fprintf(w, " by guard %q", ev.Decision.Guard)
	}
	fmt.Fprintln(w)
	if ev.Decision.Reason != "" {
		fmt.Fprintf(w, "  reason:    %s\n", ev.Decision.Reason)
	}
	st := ev.Status.Outcome
	if ev.Status.ErrorCode != 0 {
		st += fmt.Sprintf(" (%d %s)", ev.Status.ErrorCode, ev.Status.ErrorMessage)
	}
	fmt.Fprintf(w, "  outcome:   %s in %.1f ms\n", st, ev.DurationMS)
	if ev.SchemaHash != "" {
		fmt.Fprintf(w, "  tool definition: %s\n", ev.SchemaHash)
	}
}

//go:embed init.yaml
var initYAML []byte

func initCmd() *cobra.Command {
	var force bool
	c := &cobra.Command{
		Use:   "init [FILE]",
		Short: "Write a starting configuration (policy.default: deny) to FILE (default mcpwarden.yaml)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := "mcpwarden.yaml"
			if len(args) == 1 {
				path = args[0]
			}
			flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
			if force {
				flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
			}
			f, err := os.OpenFile(path, flags, 0o600)
			if errors.Is(err, os.ErrExist) {
				return fmt.Errorf("%s exists; use --force to overwrite it", path)
			}
			if err != nil {
				return err
			}
			defer f.Close()
			if _, err := f.Write(initYAML); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (policy.default: deny); check it with: mcpwarden check --config %s\n", path, path)
			return nil
		},
	}
	c.Flags().BoolVar(&force, "force", false, "overwrite an existing file")
	return c
}
