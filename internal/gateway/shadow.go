package gateway

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/mcpwarden/mcpwarden/internal/scan"
)

// Shadowing across servers (B7): names that a model could take for one
// another, and descriptions of one server that name another server's
// tools. Namespacing keeps calls apart; these checks tell the operator
// where a model might still be confused or steered.

// ServerTools is one server's listed tools, for the shadowing checks.
type ServerTools struct {
	Server string
	Prefix string // the exposed-name prefix ("" for none)
	Tools  []json.RawMessage
}

type namedTool struct {
	server, name, exposed, desc string
}

// Shadowing returns findings for cross-server name collisions (exact,
// case-folded, confusable, near-identical; on the upstream names and on
// the exposed names) and for descriptions that name another server's tool.
func Shadowing(servers []ServerTools, sep string) []scan.Finding {
	var all []namedTool
	for _, s := range servers {
		for _, def := range s.Tools {
			var d struct {
				Name        string `json:"name"`
				Description string `json:"description"`
			}
			if json.Unmarshal(def, &d) != nil || d.Name == "" {
				continue
			}
			exposed := d.Name
			if s.Prefix != "" {
				exposed = s.Prefix + sep + d.Name
			}
			all = append(all, namedTool{server: s.Server, name: d.Name, exposed: exposed, desc: d.Description})
		}
	}
	var out []scan.Finding
	add := func(t namedTool, rule string, sev scan.Severity, field, excerpt, msg string) {
		out = append(out, scan.Finding{Server: t.server, Tool: t.name, Rule: rule, Severity: sev, Field: field, Excerpt: excerpt, End: len(excerpt), Message: msg})
	}
	for i := range all {
		for j := i + 1; j < len(all); j++ {
			a, b := all[i], all[j]
			if a.server == b.server {
				continue
			}
			pair := fmt.Sprintf("%s/%s and %s/%s", a.server, a.name, b.server, b.name)
			switch {
			case a.exposed == b.exposed:
				add(a, "shadowing-exposed-name", scan.High, "name", a.exposed, "two servers expose the same name: "+pair+" (the name is withheld)")
			case strings.EqualFold(a.exposed, b.exposed):
				add(a, "shadowing-case", scan.High, "name", a.exposed+" ~ "+b.exposed, "exposed names differ only in case: "+pair)
			case scan.Confusable(a.exposed, b.exposed):
				add(a, "shadowing-confusable", scan.Critical, "name", a.exposed+" ~ "+b.exposed, "exposed names look alike: "+pair)
			case a.name == b.name:
				add(a, "shadowing-same-tool-name", scan.Info, "name", a.name, "two servers offer a tool of this name (namespaced apart): "+pair)
			case strings.EqualFold(a.name, b.name):
				add(a, "shadowing-case", scan.Medium, "name", a.name+" ~ "+b.name, "tool names differ only in case: "+pair)
			case scan.Confusable(a.name, b.name):
				add(a, "shadowing-confusable", scan.High, "name", a.name+" ~ "+b.name, "tool names look alike (confusable characters): "+pair)
			case nearIdentical(a.name, b.name):
				add(a, "shadowing-near-name", scan.Medium, "name", a.name+" ~ "+b.name, "tool names differ by one character: "+pair)
			}
		}
	}
	// Descriptions that name another server's tools.
	for _, t := range all {
		if t.desc == "" {
			continue
		}
		low := strings.ToLower(t.desc)
		for _, o := range all {
			if o.server == t.server || len(o.name) < 4 || !strings.ContainsAny(o.name, "_-.") {
				continue // short or single-word names are ordinary words
			}
			if own := sameServerHas(all, t.server, o.name); own {
				continue
			}
			for _, n := range []string{o.exposed, o.name} {
				if idx := wordIndex(low, strings.ToLower(n)); idx >= 0 {
					add(t, "cross-server-reference", scan.Medium, "description", excerptAround(t.desc, idx, len(n)),
						fmt.Sprintf("the description names %s/%s, a tool of another server", o.server, o.name))
					break
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Server != out[j].Server {
			return out[i].Server < out[j].Server
		}
		if out[i].Tool != out[j].Tool {
			return out[i].Tool < out[j].Tool
		}
		return out[i].Rule < out[j].Rule
	})
	return out
}

func sameServerHas(all []namedTool, server, name string) bool {
	for _, t := range all {
		if t.server == server && t.name == name {
			return true
		}
	}
	return false
}

var wordChar = regexp.MustCompile(`[a-z0-9_]`)

// wordIndex finds w in s where it is not part of a longer identifier.
func wordIndex(s, w string) int {
	for from := 0; from < len(s); {
		i := strings.Index(s[from:], w)
		if i < 0 {
			return -1
		}
		i += from
		before := i == 0 || !wordChar.MatchString(s[i-1:i])
		after := i+len(w) >= len(s) || !wordChar.MatchString(s[i+len(w):i+len(w)+1])
		if before && after {
			return i
		}
		from = i + 1
	}
	return -1
}

func excerptAround(s string, i, n int) string {
	a, b := max(0, i-40), min(len(s), i+n+40)
	return strings.ToValidUTF8(s[a:b], "")
}

// nearIdentical: the names differ by one edit (substitution, insertion or
// deletion) and are long enough for that to be a look-alike, not a
// different word.
func nearIdentical(a, b string) bool {
	if len(a) < 6 || len(b) < 6 || a == b {
		return false
	}
	if d := len(a) - len(b); d > 1 || d < -1 {
		return false
	}
	// One edit apart?
	i, j, edits := 0, 0, 0
	for i < len(a) && j < len(b) {
		if a[i] == b[j] {
			i, j = i+1, j+1
			continue
		}
		edits++
		if edits > 1 {
			return false
		}
		switch {
		case len(a) > len(b):
			i++
		case len(a) < len(b):
			j++
		default:
			i, j = i+1, j+1
		}
	}
	edits += len(a) - i + len(b) - j
	if edits != 1 {
		return false
	}
	// "get_issue" and "get_issues", "list_repo" and "list_repos": plural
	// forms are ordinary, not look-alikes.
	return !(strings.TrimSuffix(a, "s") == b || strings.TrimSuffix(b, "s") == a)
}

// ShadowingRules describes the rules Shadowing applies (for docs and SARIF).
func ShadowingRules() []scan.RuleInfo {
	return []scan.RuleInfo{
		{ID: "shadowing-exposed-name", Severity: scan.High, Description: "Two servers expose the same tool name (the gateway withholds it)."},
		{ID: "shadowing-case", Severity: scan.High, Description: "Tool names of two servers differ only in case (high on exposed names, medium on upstream names)."},
		{ID: "shadowing-confusable", Severity: scan.Critical, Description: "Tool names of two servers look alike through confusable characters (critical on exposed names, high on upstream names)."},
		{ID: "shadowing-near-name", Severity: scan.Medium, Description: "Tool names of two servers differ by one character (plural forms excepted)."},
		{ID: "shadowing-same-tool-name", Severity: scan.Info, Description: "Two servers offer a tool of the same name, namespaced apart."},
		{ID: "cross-server-reference", Severity: scan.Medium, Description: "A tool description names a tool of another server."},
	}
}
