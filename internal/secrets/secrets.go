// Package secrets resolves the configuration's references (env:NAME,
// file:PATH, vault:PATH#FIELD) for the running gateway: each once, then from
// a cache that is refreshed on a schedule and on SIGHUP, so a rotated
// credential is used from the next request on without dropping sessions.
//
// Vault (HashiCorp Vault or OpenBao, KV v1 or v2) is read with the official
// Go client (github.com/hashicorp/vault/api), logged in with a token or
// AppRole. A value never appears in an error or a log line: errors name the
// reference.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	vault "github.com/hashicorp/vault/api"

	"github.com/mcpwarden/mcpwarden/internal/config"
)

// Manager is the gateway's config.Resolver. It is safe for concurrent use.
type Manager struct {
	log   *slog.Logger
	vault *vaultReader // nil without secrets.vault

	mu       sync.RWMutex
	cache    map[string]entry
	seen     []string // every value ever resolved (for redaction), in order
	seenSet  map[string]bool
	onChange []func()
}

type entry struct {
	ref   config.Value
	value string
	at    time.Time
}

// New builds a Manager for cfg. With secrets.vault it creates the Vault
// client (it logs in at the first read).
func New(cfg *config.Config, log *slog.Logger) (*Manager, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Manager{log: log, cache: map[string]entry{}, seenSet: map[string]bool{}}
	if vc := cfg.Secrets.Vault; vc != nil {
		r, err := newVaultReader(vc)
		if err != nil {
			return nil, fmt.Errorf("secrets.vault: %w", err)
		}
		m.vault = r
	}
	return m, nil
}

func key(v config.Value) string { return v.String() + "\x00" + v.FilePath() }

// ResolveRef implements config.Resolver: the cached value, or a resolution
// now (then cached).
func (m *Manager) ResolveRef(v config.Value) (string, error) {
	k := key(v)
	m.mu.RLock()
	e, ok := m.cache[k]
	m.mu.RUnlock()
	if ok {
		return e.value, nil
	}
	s, err := m.resolve(context.Background(), v)
	if err != nil {
		return "", err
	}
	m.mu.Lock()
	if e, ok := m.cache[k]; ok { // resolved meanwhile
		m.mu.Unlock()
		return e.value, nil
	}
	m.cache[k] = entry{ref: v, value: s, at: time.Now()}
	m.remember(s)
	m.mu.Unlock()
	return s, nil
}

func (m *Manager) remember(s string) {
	if s != "" && !m.seenSet[s] {
		m.seenSet[s] = true
		m.seen = append(m.seen, s)
	}
}

func (m *Manager) resolve(ctx context.Context, v config.Value) (string, error) {
	if !v.IsVault() {
		return v.ResolveDirect()
	}
	if m.vault == nil {
		return "", fmt.Errorf("%s: vault: references need secrets.vault", v)
	}
	path, field, err := v.VaultPath()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s, err := m.vault.read(ctx, path, field)
	if err != nil {
		return "", fmt.Errorf("%s: %w", v, err)
	}
	return s, nil
}

// Values returns every value resolved so far, including values since
// rotated away (a retired credential is still a secret in old events).
func (m *Manager) Values() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return slices.Clone(m.seen)
}

// OnChange registers f, called after a refresh that changed a value.
func (m *Manager) OnChange(f func()) {
	m.mu.Lock()
	m.onChange = append(m.onChange, f)
	m.mu.Unlock()
}

// Refresh re-resolves every cached reference. A reference that cannot be
// resolved now keeps its last value (and is reported in the error); the
// others take their new values. It returns the references that changed.
func (m *Manager) Refresh(ctx context.Context) (changed []string, err error) {
	m.mu.RLock()
	entries := make(map[string]entry, len(m.cache))
	for k, e := range m.cache {
		entries[k] = e
	}
	m.mu.RUnlock()
	var errs []error
	fresh := map[string]string{}
	for k, e := range entries {
		s, rerr := m.resolve(ctx, e.ref)
		if rerr != nil {
			errs = append(errs, rerr)
			continue
		}
		if s != e.value {
			fresh[k] = s
			changed = append(changed, e.ref.String())
		}
	}
	slices.Sort(changed)
	var hooks []func()
	m.mu.Lock()
	now := time.Now()
	for k, s := range fresh {
		e := m.cache[k]
		e.value, e.at = s, now
		m.cache[k] = e
		m.remember(s)
	}
	if len(fresh) > 0 {
		hooks = slices.Clone(m.onChange)
	}
	m.mu.Unlock()
	for _, f := range hooks {
		f()
	}
	return changed, errors.Join(errs...)
}

// Run refreshes every `every` and whenever hup receives, until ctx ends.
func (m *Manager) Run(ctx context.Context, every time.Duration, hup <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		var why string
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			why = "schedule"
		case <-hup:
			why = "SIGHUP"
		}
		changed, err := m.Refresh(ctx)
		if err != nil {
			m.log.Error("secrets: some references could not be refreshed; their previous values stay in use", "trigger", why, "err", err)
		}
		if len(changed) > 0 {
			m.log.Info("secrets: rotated values picked up", "trigger", why, "references", changed)
		}
	}
}

// vaultReader reads secrets with the official client, logging in with a
// token or AppRole (again after a 403: the token may have expired).
type vaultReader struct {
	c    *vault.Client
	auth config.VaultAuth

	mu       sync.Mutex
	loggedIn bool
}

func newVaultReader(vc *config.Vault) (*vaultReader, error) {
	vcfg := vault.DefaultConfig()
	vcfg.Address = vc.Address
	vcfg.MaxRetries = 2
	vcfg.Timeout = 10 * time.Second
	if vc.CAFile != "" {
		if err := vcfg.ConfigureTLS(&vault.TLSConfig{CACert: vc.CAFile}); err != nil {
			return nil, fmt.Errorf("ca_file: %w", err)
		}
	}
	// The gateway's own environment (VAULT_TOKEN, VAULT_ADDR ...) is not
	// consulted: only what the configuration says.
	c, err := vault.NewClient(vcfg)
	if err != nil {
		return nil, err
	}
	c.ClearToken()
	if vc.Namespace != "" {
		c.SetNamespace(vc.Namespace)
	}
	return &vaultReader{c: c, auth: vc.Auth}, nil
}

func (r *vaultReader) login(ctx context.Context) error {
	switch r.auth.Method {
	case config.VaultAuthAppRole:
		roleID, err := r.auth.RoleID.ResolveDirect()
		if err != nil {
			return fmt.Errorf("auth.role_id: %w", err)
		}
		secretID, err := r.auth.SecretID.ResolveDirect()
		if err != nil {
			return fmt.Errorf("auth.secret_id: %w", err)
		}
		s, err := r.c.Logical().WriteWithContext(ctx, "auth/"+r.auth.Mount+"/login", map[string]any{"role_id": roleID, "secret_id": secretID})
		if err != nil {
			return fmt.Errorf("approle login: %w", scrub(err))
		}
		if s == nil || s.Auth == nil || s.Auth.ClientToken == "" {
			return errors.New("approle login: no token in the response")
		}
		r.c.SetToken(s.Auth.ClientToken)
	default:
		tok, err := r.auth.Token.ResolveDirect()
		if err != nil {
			return fmt.Errorf("auth.token: %w", err)
		}
		r.c.SetToken(tok)
	}
	r.loggedIn = true
	return nil
}

func (r *vaultReader) read(ctx context.Context, path, field string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for attempt := 0; ; attempt++ {
		if !r.loggedIn {
			if err := r.login(ctx); err != nil {
				return "", err
			}
		}
		s, err := r.c.Logical().ReadWithContext(ctx, path)
		var re *vault.ResponseError
		if errors.As(err, &re) && re.StatusCode == http.StatusForbidden && attempt == 0 {
			r.loggedIn = false // log in again once
			continue
		}
		if err != nil {
			return "", scrub(err)
		}
		if s == nil || s.Data == nil {
			return "", errors.New("no secret at this path")
		}
		data := s.Data
		// KV v2 wraps the fields: {"data": {...}, "metadata": {...}}.
		if inner, ok := data["data"].(map[string]any); ok {
			if _, meta := data["metadata"]; meta {
				data = inner
			}
		}
		v, ok := data[field]
		if !ok {
			return "", fmt.Errorf("the secret has no field %q", field)
		}
		switch v := v.(type) {
		case string:
			return v, nil
		case nil:
			return "", fmt.Errorf("field %q is null", field)
		default:
			return "", fmt.Errorf("field %q is not a string", field)
		}
	}
}

// scrub keeps the status and Vault's error texts of a response error (never
// a secret: Vault does not echo values) and drops the request URL's query.
func scrub(err error) error {
	var re *vault.ResponseError
	if errors.As(err, &re) {
		return fmt.Errorf("vault answered %d %s: %v", re.StatusCode, http.StatusText(re.StatusCode), re.Errors)
	}
	return err
}
