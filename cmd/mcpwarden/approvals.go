package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpwarden/mcpwarden/internal/approval"
	"github.com/mcpwarden/mcpwarden/internal/store"
)

// reviewer is the person at this terminal, as a principal subject.
func reviewer() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "local:" + u.Username
	}
	return fmt.Sprintf("local:%d", os.Getuid())
}

func approvalsCmd(cfgPath *string) *cobra.Command {
	ac := &cobra.Command{Use: "approvals", Short: "List and decide held calls of the gateway that --config configures (through its store)"}
	open := func() (*approval.Service, func(), error) {
		cfg, _, err := loadConfig(*cfgPath)
		if err != nil {
			return nil, nil, err
		}
		if cfg.Approvals == nil {
			return nil, nil, fmt.Errorf("the configuration has no approvals: block, so nothing is held for approval (held calls are denied)")
		}
		st, err := store.Open(cfg.Store.Path)
		if err != nil {
			return nil, nil, fmt.Errorf("store.path %q: %w", cfg.Store.Path, err)
		}
		svc := &approval.Service{Store: &approval.Store{DB: st.DB()}, AllowSelfApproval: cfg.Approvals.AllowSelfApproval}
		return svc, func() { st.Close() }, nil
	}
	var format string
	var all bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List held calls (pending; --all for decided ones too)",
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, done, err := open()
			if err != nil {
				return err
			}
			defer done()
			reqs, err := svc.Store.List(cmd.Context(), !all, 0)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				return writeJSONList(out, reqs)
			}
			tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSERVER\tTOOL\tPRINCIPAL\tIMPACT\tREQUESTED\tEXPIRES\tDECISION\tARGUMENTS")
			for _, r := range reqs {
				dec := "pending"
				if r.DecidedAt != nil {
					dec = r.Decision + " by " + r.Reviewer
				}
				args := string(r.Arguments)
				if len(args) > 80 {
					args = args[:77] + "..."
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Server, r.Tool, r.Principal.Subject, r.Impact,
					r.RequestedAt.Format("15:04:05"), r.ExpiresAt.Format("15:04:05"), dec, args)
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&format, "format", "table", "output: table or json")
	list.Flags().BoolVar(&all, "all", false, "also decided requests")
	decide := func(approve bool) *cobra.Command {
		verb := "deny"
		if approve {
			verb = "approve"
		}
		var reason string
		c := &cobra.Command{
			Use:   verb + " ID",
			Short: strings.ToUpper(verb[:1]) + verb[1:] + " a held call",
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				svc, done, err := open()
				if err != nil {
					return err
				}
				defer done()
				if err := svc.Review(cmd.Context(), args[0], approve, reviewer(), reason); err != nil {
					return err
				}
				past := map[bool]string{true: "approved", false: "denied"}[approve]
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %s by %s\n", args[0], past, reviewer())
				return nil
			},
		}
		c.Flags().StringVar(&reason, "reason", "", "why (recorded with the decision)")
		return c
	}
	ac.AddCommand(list, decide(true), decide(false), holdsCmd(cfgPath), releasePrincipalCmd(cfgPath))
	return ac
}

// openHolds opens the principal holds in the store of the configuration.
func openHolds(cfgPath string) (*approval.Holds, func(), error) {
	cfg, _, err := loadConfig(cfgPath)
	if err != nil {
		return nil, nil, err
	}
	st, err := store.Open(cfg.Store.Path)
	if err != nil {
		return nil, nil, fmt.Errorf("store.path %q: %w", cfg.Store.Path, err)
	}
	return &approval.Holds{DB: st.DB()}, func() { st.Close() }, nil
}

// holdsCmd lists principals held by detections (detect.actions
// hold_principal).
func holdsCmd(cfgPath *string) *cobra.Command {
	var format string
	var all bool
	c := &cobra.Command{
		Use:   "holds",
		Short: "List principals held by detections (hold_principal); --all for released and expired ones too",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			hs, done, err := openHolds(*cfgPath)
			if err != nil {
				return err
			}
			defer done()
			list, err := hs.List(cmd.Context(), all)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				return writeJSONList(out, list)
			}
			tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSUBJECT\tISSUER\tRULE\tSINCE\tUNTIL\tRELEASED")
			for _, h := range list {
				rel := ""
				if h.ReleasedAt != nil {
					rel = h.ReleasedAt.Format(time.RFC3339) + " by " + h.Releaser
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", h.ID, h.Subject, h.Issuer, h.Rule,
					h.CreatedAt.Format(time.RFC3339), h.Until.Format(time.RFC3339), rel)
			}
			return tw.Flush()
		},
	}
	c.Flags().StringVar(&format, "format", "table", "output: table or json")
	c.Flags().BoolVar(&all, "all", false, "also released and expired holds")
	return c
}

// releasePrincipalCmd ends the holds of a principal before their time.
func releasePrincipalCmd(cfgPath *string) *cobra.Command {
	var issuer, reason string
	c := &cobra.Command{
		Use:   "release-principal SUBJECT",
		Short: "Release a principal held by a detection (hold_principal): its calls pass without approval again",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			hs, done, err := openHolds(*cfgPath)
			if err != nil {
				return err
			}
			defer done()
			rel, err := hs.Release(cmd.Context(), issuer, args[0], reviewer(), reason)
			if err != nil {
				return err
			}
			for _, h := range rel {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: released %s (issuer %q, held by %s until %s) by %s\n", h.ID, h.Subject, h.Issuer, h.Rule,
					h.Until.Format(time.RFC3339), reviewer())
			}
			return nil
		},
	}
	c.Flags().StringVar(&issuer, "issuer", "", "release only the holds of the subject at this token issuer (default: every issuer)")
	c.Flags().StringVar(&reason, "reason", "", "why (recorded with the release)")
	return c
}

// writeJSONList writes a list as indented JSON, an empty one as [].
func writeJSONList[T any](out io.Writer, list []T) error {
	if list == nil {
		list = []T{}
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(list)
}
