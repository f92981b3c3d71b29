package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
	"github.com/mcpwarden/mcpwarden/internal/scan"
)

// What an upstream asks of the client (B8 for the other direction): a
// sampling request puts text before the client's model, an elicitation
// request puts a form before the user. Both are checked before they reach
// the client, whichever way the upstream asks (a server-to-client request
// of a 2025-11-25 session, or an inputRequests entry of a 2026-07-28
// InputRequiredResult):
//
//   - an elicitation in form mode that asks for a secret (a password, a
//     one-time code, a card's number or security code, an API key) is
//     refused: MCP forbids it, and it is how a server phishes the user
//     (scan.sensitive_elicitation: refuse, the default; allow lets it
//     through, recorded);
//   - the text of either is scanned like a tool result; with
//     scan.results: block, a finding at or above scan.min_severity
//     refuses it;
//   - each is an audit event of its method's type (sampling/createMessage,
//     elicitation/create) with the decision, the fields asked for and
//     the findings.
//
// A refused request is answered to the upstream with CodeDenied, and the
// call it belongs to fails with that error (an InputRequiredResult's).

// SensitiveElicitationGuard is the guard named in refusals of elicitation
// requests that ask for secrets.
const SensitiveElicitationGuard = "sensitive-elicitation"

// checkInputRequest decides on a request an upstream sends for the client
// of session s: nil lets it through.
func (g *Gateway) checkInputRequest(ctx context.Context, s *Session, srv *server, method string, params json.RawMessage) *jsonrpc.Error {
	if method != audit.TypeSampling && method != audit.TypeElicitation {
		return nil
	}
	ev := s.event(ctx, method)
	ev.Server = srv.name
	ev.Detail = map[string]any{}
	var refusal string
	if method == audit.TypeElicitation {
		mode, _ := jsonrpc.StringField(params, "mode")
		if mode == "" {
			mode = "form"
		}
		ev.Detail["mode"] = mode
		if secrets := scan.ElicitationSecrets(params); len(secrets) > 0 {
			ev.Detail["sensitive_fields"] = secrets
			if g.cfg.Scan.SensitiveElicitation != "allow" {
				refusal = fmt.Sprintf("server %q asked the user for %s in a form; MCP forbids asking for secrets in form-mode elicitation (a server that needs them sends the user to a URL)", srv.name, strings.Join(secrets, ", "))
				ev.Decision = audit.Decision{Action: audit.ActionDeny, Guard: SensitiveElicitationGuard, Reason: refusal}
			}
		}
	}
	if st := g.scan; st != nil && st.results != "off" {
		fs := st.sc.Result(srv.name, method, scan.AsStructuredResult(params))
		if len(fs) > 0 {
			ev.Detail["scan"] = findingsDetail(fs)
			ev.Detail["scan_max_severity"] = scan.Max(fs).String()
			if refusal == "" && st.results == "block" && scan.Max(fs) >= st.min {
				refusal = fmt.Sprintf("the %s request of server %q looks like an injection: %s (scan.results: block)", method, srv.name, summarize(fs, st.min))
				ev.Decision = audit.Decision{Action: audit.ActionDeny, Guard: ScanGuardName, Reason: refusal}
			}
		}
	}
	if refusal != "" {
		ev.Status = audit.Status{Outcome: audit.OutcomeDenied}
	}
	if err := g.emit(ctx, ev); err != nil {
		return jsonrpc.Errorf(jsonrpc.CodeAuditFailed, "mcpwarden: the %s request could not be audited: %v", method, err)
	}
	if refusal != "" {
		return jsonrpc.Errorf(jsonrpc.CodeDenied, "mcpwarden: %s", refusal)
	}
	return nil
}
