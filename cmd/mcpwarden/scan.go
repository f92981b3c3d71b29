package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/gateway"
	"github.com/mcpwarden/mcpwarden/internal/scan"
)

func scanCmd(cfgPath *string) *cobra.Command {
	var fromFile, resultFile, format, failOn, server string
	var listRules bool
	sc := &cobra.Command{
		Use:   "scan",
		Short: "Scan tool definitions (live servers or a saved tools/list) or a saved tool result for poisoning and injection",
		Long: `scan reports poisoning in tool definitions and injection in tool results:
instruction-like text aimed at the model, concealment, references to other tools
and servers, sensitive paths, hidden Unicode, confusable names, encoded payloads,
overlong descriptions, and names that shadow another server's tools.

  mcpwarden scan --config mcpwarden.yaml        the live servers of a configuration
  mcpwarden scan --from-file tools.json         a saved tools/list result ({"tools": [...]})
  mcpwarden scan --result-file result.json      a saved tools/call result

The exit status is 1 when a finding of --fail-on severity or above was found,
2 when the scan could not run. Scanning is offline and deterministic.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if listRules {
				out := cmd.OutOrStdout()
				fmt.Fprintln(out, "| rule | severity | what it finds |")
				fmt.Fprintln(out, "|---|---|---|")
				for _, r := range scan.Rules() {
					fmt.Fprintf(out, "| `%s` | %s | %s |\n", r.ID, r.Severity, r.Description)
				}
				for _, r := range gateway.ShadowingRules() {
					fmt.Fprintf(out, "| `%s` | %s | %s |\n", r.ID, r.Severity, r.Description)
				}
				return nil
			}
			fail, err := scan.ParseSeverity(failOn)
			if err != nil {
				return exitError{code: 2, msg: "--fail-on: " + err.Error()}
			}
			if format != "table" && format != "json" && format != "sarif" {
				return exitError{code: 2, msg: fmt.Sprintf("--format must be table, json or sarif, got %q", format)}
			}
			var findings []scan.Finding
			switch {
			case fromFile != "" && resultFile != "":
				return exitError{code: 2, msg: "give --from-file or --result-file, not both"}
			case fromFile != "":
				findings, err = scanToolsFile(fromFile, server)
			case resultFile != "":
				findings, err = scanResultFile(resultFile, server)
			default:
				findings, err = scanLive(cmd.Context(), *cfgPath, cmd)
			}
			if err != nil {
				return exitError{code: 2, msg: err.Error()}
			}
			if findings == nil {
				findings = []scan.Finding{}
			}
			out := cmd.OutOrStdout()
			switch format {
			case "json":
				err = scan.WriteJSON(out, findings)
			case "sarif":
				err = scan.WriteSARIF(out, findings, gateway.Version)
			default:
				err = scan.WriteTable(out, findings)
			}
			if err != nil {
				return exitError{code: 2, msg: err.Error()}
			}
			if len(findings) > 0 && scan.Max(findings) >= fail {
				return exitError{code: 1, msg: fmt.Sprintf("%d finding(s), the highest %s (--fail-on %s)", len(findings), scan.Max(findings), fail)}
			}
			return nil
		},
	}
	sc.Flags().StringVar(&fromFile, "from-file", "", "scan a saved tools/list result ({\"tools\": [...]}, or a bare array)")
	sc.Flags().StringVar(&resultFile, "result-file", "", "scan a saved tools/call result")
	sc.Flags().StringVar(&format, "format", "table", "table, json or sarif")
	sc.Flags().StringVar(&failOn, "fail-on", "high", "exit 1 when a finding of this severity or above is found: info, low, medium, high, critical")
	sc.Flags().BoolVar(&listRules, "list-rules", false, "print the rules (a Markdown table) and exit")
	sc.Flags().StringVar(&server, "server", "", "the server name to report for --from-file/--result-file (default: the file's name)")
	return sc
}

func readJSONFile(path string) (json.RawMessage, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if !json.Valid(b) {
		return nil, fmt.Errorf("%s: not valid JSON", path)
	}
	return b, nil
}

func fileServer(path, server string) string {
	if server != "" {
		return server
	}
	return strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
}

func scanToolsFile(path, server string) ([]scan.Finding, error) {
	b, err := readJSONFile(path)
	if err != nil {
		return nil, err
	}
	var list struct {
		Tools []json.RawMessage `json:"tools"`
	}
	if len(b) > 0 && b[0] == '[' {
		err = json.Unmarshal(b, &list.Tools)
	} else {
		err = json.Unmarshal(b, &list)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: want a tools/list result {\"tools\": [...]}: %v", path, err)
	}
	return scan.New(scan.Options{}).Tools(fileServer(path, server), list.Tools), nil
}

func scanResultFile(path, server string) ([]scan.Finding, error) {
	b, err := readJSONFile(path)
	if err != nil {
		return nil, err
	}
	// A whole JSON-RPC response is accepted too.
	var resp struct {
		Result json.RawMessage `json:"result"`
	}
	if json.Unmarshal(b, &resp) == nil && len(resp.Result) > 0 {
		b = resp.Result
	}
	return scan.New(scan.Options{}).Result(fileServer(path, server), "", b), nil
}

// scanLive lists every configured server and scans what it offers: each
// tool, prompt and the instructions, then names and references across
// servers.
func scanLive(ctx context.Context, cfgPath string, cmd *cobra.Command) ([]scan.Finding, error) {
	cfg, _, err := loadConfig(cfgPath)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	snaps, err := snapshot(ctx, cfg, cmd.ErrOrStderr())
	if err != nil {
		return nil, err
	}
	opts := scan.Options{NoLearned: cfg.Scan.Learned == "off", MaxBytes: int(cfg.Scan.MaxBytes.Bytes())}
	if cl := cfg.Scan.Classifier; cl != nil {
		opts.Classifier = &scan.HTTPClassifier{URL: cl.URL, Threshold: cl.Threshold}
	}
	sc := scan.New(opts)
	var out []scan.Finding
	var st []gateway.ServerTools
	for _, s := range snaps {
		if s.Err != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "mcpwarden: %s: not scanned: %v\n", s.Server, s.Err)
			continue
		}
		out = append(out, sc.Tools(s.Server, s.Items["tool"])...)
		for _, p := range s.Items["prompt"] {
			out = append(out, sc.Prompt(s.Server, p)...)
		}
		if s.Instructions != "" {
			out = append(out, sc.Instructions(s.Server, s.Instructions)...)
		}
		st = append(st, gateway.ServerTools{Server: s.Server, Prefix: prefixOf(cfg, s.Server), Tools: s.Items["tool"]})
	}
	out = append(out, gateway.Shadowing(st, cfg.NamespaceSeparator)...)
	return out, nil
}

func prefixOf(cfg *config.Config, server string) string {
	if sc, ok := cfg.Servers.Get(server); ok && sc.Prefix != nil {
		return *sc.Prefix
	}
	return server
}
