package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpwarden/mcpwarden/internal/gateway"
	"github.com/mcpwarden/mcpwarden/internal/ocsf"
	"github.com/mcpwarden/mcpwarden/internal/store"
)

func eventsCmd(cfgPath *string) *cobra.Command {
	ec := &cobra.Command{Use: "events", Short: "Query the audit events and alerts in the store"}
	var since, principal, session, correlation, typ, tool, server, rawSQL, format string
	var limit int
	query := &cobra.Command{
		Use:   "query",
		Short: "Query audit events (and alerts: --type alert) by time, principal, session, correlation id, tool, or with --sql",
		Long: `events query reads the store of the gateway that --config configures.

  mcpwarden events query --config mcpwarden.yaml --since 1h --principal alice
  mcpwarden events query --config mcpwarden.yaml --type alert --format json
  mcpwarden events query --config mcpwarden.yaml --sql "SELECT tool, count(*) FROM audit_events GROUP BY 1"
  mcpwarden events query --config mcpwarden.yaml --since 24h --format ocsf > events.ocsf.jsonl

--sql takes one SELECT over the table audit_events (event_id, time_ns, type,
session_id, correlation_id, principal_subject, server, tool, decision_action,
data: the event as JSON, readable with json_extract) and runs read-only.
Identity-provider events loaded with "mcpwarden import idp-log" are in the
table idp_events (source, id, time_ns, event_type, subject, alternate_id,
client_id, ip, session_id, outcome, data) and join on the subject:

  SELECT a.event_id, a.tool, i.event_type, i.ip FROM audit_events a
    JOIN idp_events i ON i.subject = a.principal_subject OR i.alternate_id = a.principal_subject

Formats: table; json (events: one JSON object per line; --sql: an array of
rows); jsonl (events exactly as stored, one per line, for shipping to a
SIEM; --sql: one row object per line); ocsf (events mapped to OCSF 1.8,
one per line; see docs/ocsf.md).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, _, err := loadConfig(*cfgPath)
			if err != nil {
				return err
			}
			st, err := store.Open(cfg.Store.Path)
			if err != nil {
				return fmt.Errorf("store.path %q: %w", cfg.Store.Path, err)
			}
			defer st.Close()
			out := cmd.OutOrStdout()
			switch format {
			case "table", "json", "jsonl", "ocsf":
			default:
				return fmt.Errorf("--format must be table, json, jsonl or ocsf, got %q", format)
			}
			if rawSQL != "" {
				if format == "ocsf" {
					return fmt.Errorf("--format ocsf maps audit events: select them with the filters (--since, --type, ...), not --sql, whose rows are not events")
				}
				cols, rows, err := st.QueryRaw(cmd.Context(), rawSQL, limit)
				if err != nil {
					return err
				}
				if format == "jsonl" {
					enc := json.NewEncoder(out)
					for _, r := range rows {
						m := make(map[string]any, len(cols))
						for i, c := range cols {
							m[c] = r[i]
						}
						if err := enc.Encode(m); err != nil {
							return err
						}
					}
					return nil
				}
				if format == "json" {
					objs := make([]map[string]any, 0, len(rows))
					for _, r := range rows {
						m := map[string]any{}
						for i, c := range cols {
							m[c] = r[i]
						}
						objs = append(objs, m)
					}
					enc := json.NewEncoder(out)
					enc.SetIndent("", "  ")
					return enc.Encode(objs)
				}
				tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
				fmt.Fprintln(tw, strings.ToUpper(strings.Join(cols, "\t")))
				for _, r := range rows {
					var cells []string
					for _, v := range r {
						cells = append(cells, fmt.Sprint(v))
					}
					fmt.Fprintln(tw, strings.Join(cells, "\t"))
				}
				return tw.Flush()
			}
			f := store.Filter{SessionID: session, CorrelationID: correlation, Type: typ, Tool: tool, Server: server, Subject: principal, Limit: limit}
			if since != "" {
				d, err := time.ParseDuration(since)
				if err != nil || d <= 0 {
					t, terr := time.Parse(time.RFC3339, since)
					if terr != nil {
						return fmt.Errorf("--since: want a duration (1h) or an RFC 3339 time, got %q", since)
					}
					f.Since = t
				} else {
					f.Since = time.Now().Add(-d)
				}
			}
			if format == "jsonl" {
				w := bufio.NewWriter(out)
				if err := st.EachEventData(cmd.Context(), f, func(data []byte) error {
					w.Write(data)
					return w.WriteByte('\n')
				}); err != nil {
					return err
				}
				return w.Flush()
			}
			evs, err := st.QueryEvents(cmd.Context(), f)
			if err != nil {
				return err
			}
			if format == "ocsf" {
				enc := json.NewEncoder(out)
				for _, ev := range evs {
					if err := enc.Encode(ocsf.FromAudit(ev, ocsf.Options{ProductVersion: gateway.Version})); err != nil {
						return err
					}
				}
				return nil
			}
			if format == "json" {
				enc := json.NewEncoder(out)
				for _, ev := range evs {
					if err := enc.Encode(ev); err != nil {
						return err
					}
				}
				return nil
			}
			tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TIME\tTYPE\tPRINCIPAL\tSESSION\tSERVER\tTOOL\tDECISION\tOUTCOME\tCORRELATION/RULE")
			for _, ev := range evs {
				sess := ev.SessionID
				if len(sess) > 12 {
					sess = sess[:12]
				}
				last := ev.CorrelationID
				if ev.Rule != "" {
					last = ev.Rule + " (" + ev.Severity + "): " + ev.Summary
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ev.Time.Local().Format("2006-01-02 15:04:05"), ev.Type, ev.Principal.Subject,
					sess, ev.Server, ev.Tool, ev.Decision.Action, ev.Status.Outcome, last)
			}
			return tw.Flush()
		},
	}
	query.Flags().StringVar(&since, "since", "", "only events since this long ago (1h, 30m) or this RFC 3339 time")
	query.Flags().StringVar(&principal, "principal", "", "only this principal (subject)")
	query.Flags().StringVar(&session, "session", "", "only this session id")
	query.Flags().StringVar(&correlation, "correlation-id", "", "only this correlation id")
	query.Flags().StringVar(&typ, "type", "", "only this event type (tools/call, alert, ...)")
	query.Flags().StringVar(&tool, "tool", "", "only this tool (upstream name)")
	query.Flags().StringVar(&server, "server", "", "only this server")
	query.Flags().StringVar(&rawSQL, "sql", "", "one read-only SELECT over audit_events (and idp_events) instead of the filters")
	query.Flags().StringVar(&format, "format", "table", "table, json (JSON lines of events; an array of rows with --sql), jsonl (events as stored; rows one per line with --sql) or ocsf (events as OCSF JSON lines)")
	query.Flags().IntVar(&limit, "limit", 0, "at most this many events or rows (0: all)")
	ec.AddCommand(query)
	return ec
}
