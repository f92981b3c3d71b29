package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/mcpwarden/mcpwarden/internal/guard"
)

// Toxic flows (B6): an agent that can both take in untrusted content (a web
// page, an email, an issue) and send data out (email, HTTP POST, upload)
// can be steered by the first to leak through the second. Tools carry
// labels, from the configuration or inferred (InferLabels); the flow guard
// keeps the two sides apart, statically (a session never gets both) or
// dynamically (once a session has received untrusted content, its
// exfiltration tools are held or denied).

// Labels.
const (
	LabelUntrustedInput = "untrusted_input"
	LabelExfiltration   = "exfiltration"
	LabelSensitiveRead  = "sensitive_read"
)

// FlowGuardName is the flow guard's name in audit events and errors.
const FlowGuardName = "toxic-flow"

// Flow modes and the choices of each.
const (
	FlowOff     = "off"
	FlowStatic  = "static"
	FlowDynamic = "dynamic"

	ConflictRefuse            = "refuse"
	ConflictWithholdExfil     = "withhold_exfiltration"
	ConflictWithholdUntrusted = "withhold_untrusted_input"

	TaintHold = "hold"
	TaintDeny = "deny"
)

// LabelRule labels a tool pattern of one server.
type LabelRule struct {
	Pattern string
	Labels  []string
}

// Flows is the toxic-flow policy.
type Flows struct {
	Mode       string // off, static, dynamic
	OnConflict string // static: refuse, withhold_exfiltration, withhold_untrusted_input
	AfterTaint string // dynamic: hold, deny
	Rules      map[string][]LabelRule
	cache      sync.Map // server\x00tool\x00defhash → []string
}

var (
	untrustedWords = []string{"fetch", "browse", "browser", "scrape", "crawl", "web", "search", "url", "http", "download",
		"rss", "feed", "inbox", "email", "emails", "mail", "message", "messages", "issue", "issues", "comment", "comments",
		"pull", "pr", "ticket", "tickets", "webpage", "page", "news", "tweet", "tweets", "post", "posts", "chat", "channel"}
	untrustedVerbs = []string{"get", "read", "list", "search", "fetch", "browse", "view", "show", "find", "query", "scrape", "crawl", "download", "open"}
	exfilWords     = []string{"send", "email", "mail", "post", "upload", "publish", "webhook", "share", "tweet", "forward",
		"reply", "comment", "comments", "message", "issue", "issues", "ticket", "pr", "notify", "submit", "export", "sms", "slack", "push", "transfer", "http_request", "request"}
	exfilVerbs      = []string{"send", "post", "upload", "publish", "share", "tweet", "forward", "reply", "notify", "submit", "export", "push", "create", "add", "write", "transfer"}
	sensitiveWords  = []string{"secret", "secrets", "credential", "credentials", "password", "passwords", "token", "tokens", "key", "keys", "env", "environment", "ssh", "vault", "keychain", "wallet", "file", "files", "database", "db", "sql", "customer", "customers", "private"}
	sensitiveVerbs  = []string{"read", "get", "list", "dump", "query", "show", "cat", "export"}
	exfilOnlyWords  = []string{"send", "upload", "publish", "webhook", "tweet", "forward", "notify", "submit", "sms", "transfer"}
	fetchOnlyWords  = []string{"fetch", "browse", "browser", "scrape", "crawl", "webpage", "rss", "feed", "inbox"}
	sensitiveOnlyWd = []string{"secret", "secrets", "credential", "credentials", "password", "passwords", "vault", "keychain", "wallet", "ssh"}
)

// InferLabels labels a tool from its name and annotations (documented in
// docs/config.md#toxic-flows-toxic_flows):
//   - untrusted_input: a word that only fetches outside content (fetch,
//     browse, scrape, crawl, rss, inbox ...), or a read verb (get, read,
//     list, search ...) with an outside source (web, url, email, message,
//     issue, comment, pull request, ticket, post ...), or openWorldHint with
//     readOnlyHint;
//   - exfiltration: a word that only sends (send, upload, publish, webhook,
//     forward, notify, submit, transfer ...), or a write verb (post, create,
//     add, reply, share ...) with a channel (email, message, comment, issue,
//     http request ...), or openWorldHint without readOnlyHint;
//   - sensitive_read: a read verb with a secret or private store (secret,
//     credential, password, token, key, env, ssh, file, database ...), or a
//     word that names a secret store alone.
func InferLabels(name string, def json.RawMessage) []string {
	var d struct {
		Annotations struct {
			ReadOnly  *bool `json:"readOnlyHint"`
			OpenWorld *bool `json:"openWorldHint"`
		} `json:"annotations"`
	}
	_ = json.Unmarshal(def, &d)
	words := nameWords(name)
	has := func(list []string) bool {
		for _, w := range words {
			if slices.Contains(list, w) {
				return true
			}
		}
		return false
	}
	readOnly := d.Annotations.ReadOnly != nil && *d.Annotations.ReadOnly
	openWorld := d.Annotations.OpenWorld != nil && *d.Annotations.OpenWorld
	var out []string
	if has(fetchOnlyWords) || (has(untrustedVerbs) && has(untrustedWords)) || (openWorld && readOnly) {
		out = append(out, LabelUntrustedInput)
	}
	if !readOnly && (has(exfilOnlyWords) || (has(exfilVerbs) && has(exfilWords)) || (openWorld && !has(untrustedVerbs))) {
		out = append(out, LabelExfiltration)
	}
	if has(sensitiveOnlyWd) || (has(sensitiveVerbs) && has(sensitiveWords)) {
		out = append(out, LabelSensitiveRead)
	}
	return out
}

// nameWords splits a tool name into lower-case words at separators and
// camelCase boundaries ("sendEmail", "send_email", "send-email").
func nameWords(name string) []string {
	var words []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			words = append(words, cur.String())
			cur.Reset()
		}
	}
	prevLower := false
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			cur.WriteRune(r)
			prevLower = true
		case r >= 'A' && r <= 'Z':
			if prevLower {
				flush()
			}
			cur.WriteRune(r + ('a' - 'A'))
			prevLower = false
		default:
			flush()
			prevLower = false
		}
	}
	flush()
	return words
}

// LabelsOf is a tool's labels: from the first matching rule (exact name,
// then patterns in order), else inferred.
func (f *Flows) LabelsOf(server, tool string, def json.RawMessage) []string {
	rules := f.Rules[server]
	for _, r := range rules {
		if r.Pattern == tool {
			return r.Labels
		}
	}
	for _, r := range rules {
		if ok, err := path.Match(r.Pattern, tool); err == nil && ok {
			return r.Labels
		}
	}
	key := server + "\x00" + tool + "\x00" + string(def)
	if v, ok := f.cache.Load(key); ok {
		return v.([]string)
	}
	l := InferLabels(tool, def)
	f.cache.Store(key, l)
	return l
}

// On reports whether toxic-flow rules apply.
func (f *Flows) On() bool { return f != nil && (f.Mode == FlowStatic || f.Mode == FlowDynamic) }

// FlowGuard applies the toxic-flow policy to one call or listed tool. What
// it knows of the session comes with the call: which labelled tools the
// session's principal could use (guard.Session.Exposure, for static) and
// whether the session received untrusted content (guard.Session.Tainted,
// for dynamic).
type FlowGuard struct{ Flows *Flows }

// Name implements guard.Guard.
func (g *FlowGuard) Name() string { return FlowGuardName }

// Check implements guard.Guard.
func (g *FlowGuard) Check(_ context.Context, c *guard.Call) guard.Decision {
	f := g.Flows
	if !f.On() || c.Method != "tools/call" {
		return guard.Allowed
	}
	labels := f.LabelsOf(c.Server, c.Name, c.Definition)
	exfil, untrusted := slices.Contains(labels, LabelExfiltration), slices.Contains(labels, LabelUntrustedInput)
	if !exfil && !untrusted {
		return guard.Allowed
	}
	switch f.Mode {
	case FlowStatic:
		ex := c.Session.Exposure
		if len(ex[LabelExfiltration]) == 0 || len(ex[LabelUntrustedInput]) == 0 {
			return guard.Allowed
		}
		why := fmt.Sprintf("this session could use both tools that take in untrusted content (%s) and tools that can send data out (%s), a toxic flow",
			strings.Join(ex[LabelUntrustedInput], ", "), strings.Join(ex[LabelExfiltration], ", "))
		switch {
		case f.OnConflict == ConflictWithholdUntrusted && untrusted:
			return guard.Decision{Action: guard.Deny, Guard: FlowGuardName, Reason: why + ": the untrusted-input side is withheld"}
		case f.OnConflict == ConflictWithholdExfil && exfil:
			return guard.Decision{Action: guard.Deny, Guard: FlowGuardName, Reason: why + ": the exfiltration side is withheld"}
		case (f.OnConflict == ConflictRefuse || f.OnConflict == "") && exfil && !c.Listing:
			return guard.Decision{Action: guard.Deny, Guard: FlowGuardName, Reason: why + ": exfiltration tools are refused"}
		}
		return guard.Allowed
	case FlowDynamic:
		if c.Listing || !exfil || c.Session.Tainted == "" {
			return guard.Allowed
		}
		why := fmt.Sprintf("this session received untrusted content from %s; %q can send data out (toxic flow)", c.Session.Tainted, c.Name)
		if f.AfterTaint == TaintDeny {
			return guard.Decision{Action: guard.Deny, Guard: FlowGuardName, Reason: why + ": refused for the rest of the session"}
		}
		return guard.Decision{Action: guard.Hold, Guard: FlowGuardName, Reason: why + ": the call has high impact: the call is held for a human's approval"}
	}
	return guard.Allowed
}
