package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/idplog"
	"github.com/mcpwarden/mcpwarden/internal/store"
)

// importBatch is how many records one transaction stores: short enough
// that a running gateway's audit writer is not held up.
const importBatch = 500

func importCmd(cfgPath *string) *cobra.Command {
	ic := &cobra.Command{Use: "import", Short: "Load external logs into the store for investigation"}
	var format string
	idp := &cobra.Command{
		Use:   "idp-log FILE...",
		Short: "Load identity-provider events (Okta System Log, Keycloak, Auth0) into the store's idp_events table",
		Long: `import idp-log loads identity-provider log exports into the table idp_events
of the store that --config configures, so that events query --sql can join
them with the audit trail (see docs/investigation.md):

  mcpwarden import idp-log --config mcpwarden.yaml okta-2025-06-01.json
  mcpwarden events query --config mcpwarden.yaml --sql "SELECT a.time_ns, a.tool, i.event_type, i.ip
    FROM audit_events a JOIN idp_events i ON i.subject = a.principal_subject"

A file is a JSON array or JSON lines of: Okta System Log events (GET
/api/v1/logs), Keycloak user or admin events (GET /admin/realms/R/events,
/admin-events), or Auth0 log events (GET /api/v2/logs, or a log stream's
deliveries). --format okta accepts only Okta events, oidc only Keycloak and
Auth0, auto (the default) any of them.

Every file is checked before anything is stored: a bad record is reported
with its file, line and position, and nothing is imported. Importing a file
again is harmless: records already stored (same source and id) are skipped
and counted as duplicates.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case idplog.FormatAuto, idplog.FormatOkta, idplog.FormatOIDC:
			default:
				return fmt.Errorf("--format must be okta, oidc or auto, got %q", format)
			}
			cfg, _, err := loadConfig(*cfgPath)
			if err != nil {
				return err
			}
			if cfg.Store.Path == config.MemoryStore {
				return fmt.Errorf("store.path is %s: there is no store to import into", config.MemoryStore)
			}
			// Check every file first: all or nothing.
			var bad []error
			for _, name := range args {
				if err := parseFile(name, format, nil); err != nil {
					bad = append(bad, err)
				}
			}
			if len(bad) > 0 {
				return fmt.Errorf("%w\nnothing was imported", errors.Join(bad...))
			}
			st, err := store.Open(cfg.Store.Path)
			if err != nil {
				return fmt.Errorf("store.path %q: %w", cfg.Store.Path, err)
			}
			defer st.Close()
			out := cmd.OutOrStdout()
			var imported, dups int64
			for _, name := range args {
				var batch []store.IDPEvent
				var n, total int64
				flush := func() error {
					k, err := st.InsertIDPEvents(cmd.Context(), batch)
					n += k
					total += int64(len(batch))
					batch = batch[:0]
					return err
				}
				err := parseFile(name, format, func(ev store.IDPEvent) error {
					batch = append(batch, ev)
					if len(batch) >= importBatch {
						return flush()
					}
					return nil
				})
				if err == nil {
					err = flush()
				}
				if err != nil {
					return fmt.Errorf("%s: %w (records stored before this are kept; importing the file again completes it)", name, err)
				}
				fmt.Fprintf(out, "%s: %d records: imported %d, skipped duplicates %d\n", name, total, n, total-n)
				imported += n
				dups += total - n
			}
			if len(args) > 1 {
				fmt.Fprintf(out, "total: imported %d, skipped duplicates %d\n", imported, dups)
			}
			return nil
		},
	}
	idp.Flags().StringVar(&format, "format", idplog.FormatAuto, "okta, oidc (Keycloak or Auth0) or auto")
	ic.AddCommand(idp)
	return ic
}

func parseFile(name, format string, fn func(store.IDPEvent) error) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return idplog.Parse(f, name, format, fn)
}
