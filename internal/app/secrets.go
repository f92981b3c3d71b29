package app

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/secrets"
	"github.com/mcpwarden/mcpwarden/internal/secretshape"
)

// redaction is what every audit sink applies to its copy of an event: the
// values of the configuration's references (current and rotated away) and
// the well-known credential shapes (audit.redact_shapes).
type redaction struct {
	values atomic.Pointer[audit.Redactor]
	shapes []*secretshape.Shape
}

func newRedaction(cfg *config.Config) (*redaction, error) {
	r := &redaction{}
	names := cfg.Audit.RedactShapes
	if len(names) == 1 && names[0] == "none" {
		return r, nil
	}
	sel, unknown := secretshape.Select(names)
	if len(unknown) > 0 {
		return nil, fmt.Errorf("audit.redact_shapes: unknown %v (known: %v, or [none])", unknown, secretshape.Names())
	}
	r.shapes = sel
	return r, nil
}

// setValues replaces the set of secret values masked.
func (r *redaction) setValues(vals []string) {
	red := audit.NewRedactor(vals)
	r.values.Store(&red)
}

func (r *redaction) redact(b []byte) []byte {
	if p := r.values.Load(); p != nil && *p != nil {
		b = (*p)(b)
	}
	if len(r.shapes) > 0 {
		b, _ = secretshape.Mask(b, r.shapes)
	}
	return b
}

// openSecrets installs the reference resolver (cached, refreshed) and keeps
// the redaction's values current when a reference rotates.
func (rt *Runtime) openSecrets(ctx context.Context, cfg *config.Config, red *redaction) error {
	m, err := secrets.New(cfg, rt.Log)
	if err != nil {
		return err
	}
	config.SetResolver(m)
	rt.Secrets = m
	update := func() { red.setValues(append(SecretValues(cfg), m.Values()...)) }
	update()
	m.OnChange(update)
	rt.hup = make(chan struct{}, 1)
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	rt.stopSecrets = cancel
	go m.Run(rctx, cfg.Secrets.Refresh.D(), rt.hup)
	return nil
}

// RefreshSecrets re-resolves every reference now (SIGHUP).
func (rt *Runtime) RefreshSecrets() {
	if rt.hup == nil {
		return
	}
	select {
	case rt.hup <- struct{}{}:
	default: // a refresh is already due
	}
}

// referenceValues resolves every reference of cfg (for redaction), skipping
// those that do not resolve now (their users report them).
func referenceValues(cfg *config.Config) []string {
	var out []string
	for _, r := range cfg.References() {
		if s, err := r.Value.Resolve(); err == nil && s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
