package config

import (
	_ "embed"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the whole configuration file. Keys are exactly the yaml names
// below; anything else is an error.
type Config struct {
	// ConfigFile is the configuration file's absolute path (set by the
	// loader; not a configuration key).
	ConfigFile string `yaml:"-"`

	// Listen is the host:port the gateway's HTTP endpoint binds to.
	// Default "127.0.0.1:8931". Binding to a non-loopback address requires
	// auth (checked by the server, see IsLoopbackListen).
	Listen string `yaml:"listen"`

	// Path is the HTTP path of the MCP endpoint. Default "/mcp". Must start
	// with "/".
	Path string `yaml:"path"`

	// AllowedOrigins is the allowlist for the Origin header of browser
	// requests (DNS-rebinding protection). Each entry is
	// "scheme://host[:port]" with scheme http or https, or
	// "scheme://host:*" for any port (including none). Default:
	// http and https on localhost, 127.0.0.1 and [::1], any port.
	// An explicit empty list ([]) allows no browser origin at all. Requests
	// without an Origin header are not affected. See OriginAllowed.
	AllowedOrigins []string `yaml:"allowed_origins"`

	// NamespaceSeparator joins a server's prefix and an upstream tool name
	// into the name clients see ("ev" + "__" + "get-env"). Default "__".
	// Must match ^[A-Za-z0-9_-]{1,8}$ and must not occur in server names
	// or prefixes.
	NamespaceSeparator string `yaml:"namespace_separator"`

	// MaxBodyBytes caps the size of a request body. Default 4 MiB. Must be
	// > 0.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`

	// SessionIdleTimeout ends a client session after this long without
	// requests. Default "30m". Must be > 0.
	SessionIdleTimeout Duration `yaml:"session_idle_timeout"`

	// Servers are the upstream MCP servers, keyed by name, in file order.
	// At least one is required. Names match ^[A-Za-z0-9][A-Za-z0-9_-]*$
	// (at most 64 characters) and must not contain NamespaceSeparator.
	Servers OrderedMap[*Server] `yaml:"servers"`

	// Policy holds gateway-wide policy settings.
	Policy Policy `yaml:"policy"`

	// Audit configures the audit log.
	Audit Audit `yaml:"audit"`

	// Store configures the SQLite state store.
	Store Store `yaml:"store"`

	// Secrets configures how references are resolved and refreshed, and
	// the Vault server of vault: references.
	Secrets Secrets `yaml:"secrets"`

	// Auth makes the gateway an OAuth 2.1 protected resource: every HTTP
	// request needs a bearer token, and tool rules may require scopes.
	// Absent: no authentication (then the listener must be loopback).
	Auth *Auth `yaml:"auth"`

	// TLS serves the endpoint over HTTPS, and can require client
	// certificates whose identity (SPIFFE ID or subject) is a principal.
	TLS *ListenTLS `yaml:"tls"`

	// Approvals configures human approval of held calls. Absent: a held
	// call is denied at once.
	Approvals *Approvals `yaml:"approvals"`

	// Pin verifies the definitions upstreams list (tools, prompts,
	// resource templates, instructions) against a lockfile written by
	// `mcpwarden pin`. Absent: mode off (the lockfile is still where
	// `mcpwarden pin` writes).
	Pin *Pin `yaml:"pin"`

	// ToxicFlows keeps untrusted input and exfiltration apart. Absent: off.
	ToxicFlows ToxicFlows `yaml:"toxic_flows"`

	// Scan checks tool definitions and tool results for poisoning and
	// prompt injection (see docs/config.md#scanning-scan).
	Scan Scan `yaml:"scan"`

	// Detect runs detection rules over the audit stream; alerts are audit
	// events of type "alert" (see docs/config.md#detections-detect).
	Detect Detect `yaml:"detect"`

	// Admin serves GET /metrics (Prometheus) and /healthz on a listener of
	// its own (see docs/config.md#admin-listener-admin). Absent: no
	// metrics endpoint.
	Admin *Admin `yaml:"admin"`

	// Telemetry exports OpenTelemetry traces and alert logs over OTLP/HTTP
	// (see docs/config.md#telemetry-telemetry). Absent: off.
	Telemetry *Telemetry `yaml:"telemetry"`
	// Limits are rate limits and quotas (docs/config.md#rate-limits-limits).
	Limits Limits `yaml:"limits"`

	// Protocol configures how MCP revisions are served
	// (docs/config.md#protocol-revisions-protocol).
	Protocol Protocol `yaml:"protocol"`
}

// Admin is the admin listener (metrics and health).
type Admin struct {
	// Listen is host:port (not the MCP listener's, nor approvals.admin's).
	Listen string `yaml:"listen"`
	// Token, a reference, is required as a bearer token on every request
	// (Authorization: Bearer). Optional on a loopback listen address,
	// required on any other.
	Token Value `yaml:"token"`
}

// Telemetry configures OpenTelemetry export.
type Telemetry struct {
	// OTLP is the collector traces and logs are sent to (OTLP/HTTP,
	// protobuf). Absent: no traces, no OTel logs.
	OTLP *OTLP `yaml:"otlp"`
	// ServiceName is the service.name resource attribute. Default
	// "mcpwarden".
	ServiceName string `yaml:"service_name"`
	// SampleRatio samples this fraction of new traces (0 to 1, default 1);
	// a request that arrives with a trace context follows its parent's
	// sampling decision.
	SampleRatio *float64 `yaml:"sample_ratio"`
}

// OTLP is an OTLP/HTTP collector endpoint.
type OTLP struct {
	// Endpoint is the base URL ("http://127.0.0.1:4318"); traces go to
	// /v1/traces and logs to /v1/logs under it.
	Endpoint string `yaml:"endpoint"`
	// Headers are sent with every export (credentials as references).
	Headers OrderedMap[Value] `yaml:"headers"`
	// Insecure allows a plain http endpoint that is not a loopback
	// address (the export is then unencrypted).
	Insecure bool `yaml:"insecure"`
	// Logs: "alerts" (default): alerts are exported as OTel log records;
	// "all": every audit event is; "off".
	Logs string `yaml:"logs"`
}

// Telemetry log modes.
const (
	OTLPLogsAlerts = "alerts"
	OTLPLogsAll    = "all"
	OTLPLogsOff    = "off"
)

// Detect configures the detection engine.
type Detect struct {
	// Disabled turns built-in rules off by id (mcp.recon ...); "all"
	// turns the engine off.
	Disabled []string `yaml:"disabled"`
	// Rules are files (globs, relative to the configuration file) of user
	// rules: streaming, correlation and scheduled (docs/config.md).
	Rules []string `yaml:"rules"`
	// Webhook receives every alert, signed like the approvals webhook.
	Webhook *ApprovalWebhook `yaml:"webhook"`
	// Thresholds tune the built-in rules.
	Thresholds DetectThresholds `yaml:"thresholds"`
	// Actions make a built-in rule's alerts act, by rule id:
	// end_session (the alert's session ends), hold_principal (the alert's
	// principal's calls are held for approval, or denied without
	// approvals, for HoldFor) or none (alerts only, the default). User
	// rules set action: in their rules file.
	Actions OrderedMap[string] `yaml:"actions"`
	// HoldFor is how long hold_principal holds a principal. Default "1h".
	HoldFor Duration `yaml:"hold_for"`
}

// Detection actions (detect.actions, and action: of a user rule).
const (
	DetectActionNone          = "none"
	DetectActionEndSession    = "end_session"
	DetectActionHoldPrincipal = "hold_principal"
)

// DetectThresholds tune the built-in rules (0: the default).
type DetectThresholds struct {
	// ReconListsPerSession: list requests of one kind in a session beyond
	// which the session is probing. Default 5.
	ReconListsPerSession int `yaml:"recon_lists_per_session"`
	// ReconSessionsPerPrincipal: fresh sessions of one principal that list
	// tools within ReconWindow. Default 20.
	ReconSessionsPerPrincipal int `yaml:"recon_sessions_per_principal"`
	// ReconWindow. Default "10m".
	ReconWindow Duration `yaml:"recon_window"`
	// RugPullMinAge: a changed definition pinned longer ago is a rug pull
	// (medium, high when it gains capabilities). Default "168h".
	RugPullMinAge Duration `yaml:"rug_pull_min_age"`
	// HarvestWindow: the window an identity's calls are counted in.
	// Default "5m".
	HarvestWindow Duration `yaml:"harvest_window"`
	// HarvestIdenticalFloor, HarvestTotalFloor: limits for identities
	// without history (default 100 near-identical calls, 500 calls); with
	// history the limit is 4 times the identity's own baseline.
	HarvestIdenticalFloor int `yaml:"harvest_identical_floor"`
	HarvestTotalFloor     int `yaml:"harvest_total_floor"`
}

// Scan configures the poisoning and injection scanner.
type Scan struct {
	// Definitions: "withhold" (default): a tool whose definition has a
	// finding at or above MinSeverity is not listed and not callable;
	// "report": findings are audited only; "off".
	Definitions string `yaml:"definitions"`
	// Results: "annotate" (default): findings in a tool result are
	// recorded in its audit event; "redact": the matched text is replaced
	// when a finding is at or above MinSeverity; "block": such a result is
	// withheld (-32010); "off".
	Results string `yaml:"results"`
	// MinSeverity is the severity at which withhold, redact and block act:
	// low, medium, high (default) or critical.
	MinSeverity string `yaml:"min_severity"`
	// SensitiveElicitation: "refuse" (default): an upstream's form-mode
	// elicitation request that asks the user for a secret (a password, a
	// one-time code, a card number, an API key) is refused, as MCP
	// forbids it; "allow": it reaches the client, recorded.
	SensitiveElicitation string `yaml:"sensitive_elicitation"`
	// Classifier, when set, asks an HTTP endpoint for a second opinion on
	// definitions (POST {"text": ...} → {"score": x, "label": "..."}).
	Classifier *ScanClassifier `yaml:"classifier"`
	// Learned: "on" (default) or "off": the scanner's learned rule
	// (learned-injection), a model shipped in the binary.
	Learned string `yaml:"learned"`
	// MaxBytes bounds the text the scanner reads in one tool result or
	// definition (default 1 MiB). What lies beyond it is not read, and
	// the input gets a high finding ("part of it was not scanned"):
	// results: block withholds it, annotate flags it.
	MaxBytes ByteSize `yaml:"max_bytes"`
}

// ScanClassifier is an optional second opinion (off by default).
type ScanClassifier struct {
	URL       string  `yaml:"url"`
	Threshold float64 `yaml:"threshold"`
}

// Pin modes.
const (
	PinStrict = "strict"
	PinTOFU   = "tofu"
	PinAudit  = "audit"
	PinOff    = "off"
)

// DefaultLockfile is the lockfile's name next to the configuration file.
const DefaultLockfile = "mcpwarden.lock"

// Pin configures definition pinning (see docs/config.md#pinning-pin).
type Pin struct {
	// Mode: "strict" (default with a pin block): a changed or unpinned
	// definition is not shown and not callable until approved; "tofu":
	// a definition never seen is pinned on first sight, a changed one is
	// refused; "audit": mismatches are reported, nothing is refused;
	// "off".
	Mode string `yaml:"mode"`
	// Lockfile is the lockfile's path, relative to the configuration
	// file's directory. Default "mcpwarden.lock".
	Lockfile string `yaml:"lockfile"`
}

// Approvals configures how held calls are decided.
type Approvals struct {
	// Timeout ends a held call in denial. Default "2m".
	Timeout Duration `yaml:"timeout"`
	// Webhook is told of every held call (a signed JSON POST).
	Webhook *ApprovalWebhook `yaml:"webhook"`
	// AllowSelfApproval lets a principal approve its own held call.
	AllowSelfApproval bool `yaml:"allow_self_approval"`
	// Infer classifies tools no rule gives an impact from their
	// annotations and names (default true): destructive or
	// delete/send/exec-like tools are high, write-like ones medium.
	Infer *bool `yaml:"infer"`
	// Admin serves the approvals admin API on a listener of its own.
	Admin *ApprovalAdmin `yaml:"admin"`
}

// ApprovalAdmin is the approvals admin API's listener.
type ApprovalAdmin struct {
	// Listen is host:port (not the MCP listener's).
	Listen string `yaml:"listen"`
	// Token authenticates requests (Authorization: Bearer); a reference.
	Token Value `yaml:"token"`
}

// ApprovalWebhook is where held calls are announced.
type ApprovalWebhook struct {
	URL string `yaml:"url"`
	// Secret signs the body (HMAC-SHA256, header X-Mcpwarden-Signature);
	// a reference.
	Secret Value `yaml:"secret"`
}

// ListenTLS is the listener's TLS (see docs/config.md#tls).
type ListenTLS struct {
	// CertFile and KeyFile are the server certificate (PEM, chain first)
	// and its key.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ClientCAFile holds the roots client certificates are verified
	// against. With it, clients must present a valid certificate
	// (ClientCerts "require", the default) or may ("optional").
	ClientCAFile string `yaml:"client_ca_file"`
	ClientCerts  string `yaml:"client_certs"`
	// Principals maps certificate identities to what they may do: the
	// identity is the certificate's SPIFFE ID (a URI SAN spiffe://...) or
	// else "CN=" + its subject common name. A request with such a
	// certificate and no bearer token is that principal.
	Principals OrderedMap[*CertPrincipal] `yaml:"principals"`
}

// CertPrincipal is a certificate identity accepted as a principal.
type CertPrincipal struct {
	// Scopes the principal has (as if its token carried them).
	Scopes []string `yaml:"scopes"`
}

// ResourceRules restrict the resource URIs clients may read (and see, and
// subscribe to).
type ResourceRules struct {
	// Allow are URI patterns: "*" matches within a path segment, "**"
	// across segments (file:///srv/data/**). Absent: no allowlist (only
	// path traversal is refused).
	Allow []string `yaml:"allow"`
}

// UpstreamOAuth configures the gateway as an upstream's OAuth client.
type UpstreamOAuth struct {
	// ClientID (and ClientSecret, a reference) are a registration made
	// beforehand at the upstream's authorization server. Absent: a client
	// ID metadata document (ClientMetadataURL) where the server supports
	// them, else dynamic registration (RFC 7591).
	ClientID          string `yaml:"client_id"`
	ClientSecret      Value  `yaml:"client_secret"`
	ClientMetadataURL string `yaml:"client_metadata_url"`
	// Scopes to ask for when the server's challenge names none (then its
	// scopes_supported apply).
	Scopes []string `yaml:"scopes"`
}

// TokenExchange configures RFC 8693 token exchange for an upstream.
type TokenExchange struct {
	// TokenEndpoint of the identity provider. Default: discovered from
	// auth.issuer.
	TokenEndpoint string `yaml:"token_endpoint"`
	// ClientID and ClientSecret (a reference) authenticate the gateway at
	// the token endpoint (HTTP Basic).
	ClientID     string `yaml:"client_id"`
	ClientSecret Value  `yaml:"client_secret"`
	// Audience is the upstream's resource URI (sent as audience and
	// resource). Default: the server's url.
	Audience string `yaml:"audience"`
	// Scopes to ask for.
	Scopes []string `yaml:"scopes"`
}

// UpstreamTLS tightens how an https upstream is verified.
type UpstreamTLS struct {
	// CAFile adds roots (PEM) to the system's for this server.
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are a client certificate for mTLS to the
	// upstream.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ServerName overrides the name verified in the certificate.
	ServerName string `yaml:"server_name"`
	// PinSHA256 are base64 SHA-256 hashes of SubjectPublicKeyInfo; the
	// verified chain must contain one of them (in addition to normal
	// verification, never instead of it).
	PinSHA256 []string `yaml:"pin_sha256"`
}

// Server is one upstream MCP server. Exactly one of Command (a local process
// spoken to over stdio) or URL (a remote server) is required.
type Server struct {
	// Name is the server's key under servers. Set by the loader; not a
	// configuration key.
	Name string `yaml:"-"`

	// Command starts a local server that speaks MCP over stdin/stdout (a
	// name without a slash is looked up in PATH; no shell is involved).
	// The special value "@self" means this mcpwarden binary's own path
	// (for example with args ["demo-server"] for the built-in demo server).
	Command string `yaml:"command"`

	// Args are the command's arguments. Command servers only.
	Args []string `yaml:"args"`

	// Env adds environment variables for the command (values may be
	// env:/file: references, see Value). Command servers only.
	Env OrderedMap[Value] `yaml:"env"`

	// Dir is the command's working directory; relative to the directory
	// of the configuration file. Default: that directory. Command servers
	// only.
	Dir string `yaml:"dir"`

	// URL is the endpoint of a remote server, http or https. It must not
	// contain credentials; use Headers with references instead.
	URL string `yaml:"url"`

	// Transport is how to speak to the server. For url servers
	// "streamable-http" (default) or "sse" (the older HTTP+SSE transport);
	// for command servers "stdio" (default and only value).
	Transport string `yaml:"transport"`

	// Headers are extra HTTP headers sent to a url server. Values of
	// headers whose name looks secret-bearing (Authorization,
	// Proxy-Authorization, Cookie, or containing token, key, secret, auth,
	// password or credential in any case) must be env:/file: references.
	// Headers the transport manages (Host, Content-Type, Mcp-Session-Id...)
	// cannot be set. URL servers only.
	Headers OrderedMap[Value] `yaml:"headers"`

	// Timeout bounds one call to the server. Default "60s". Must be > 0.
	Timeout Duration `yaml:"timeout"`

	// ConnectTimeout bounds starting or connecting to the server and its
	// MCP initialize handshake. Default "30s". Must be > 0.
	ConnectTimeout Duration `yaml:"connect_timeout"`

	// Prefix namespaces the server's tools: clients see
	// Prefix + NamespaceSeparator + tool. Absent means the server name;
	// "" means no prefix (tools are exposed under their own names). After
	// loading it is never nil. Effective prefixes must be unique among
	// servers, so at most one server can use "".
	Prefix *string `yaml:"prefix"`

	// Sessions is "shared" (one upstream session serves all clients) or
	// "per-client" (one upstream session per client session). Default
	// "shared" for command servers, "per-client" for url servers.
	Sessions string `yaml:"sessions"`

	// Protocol is the MCP revision the gateway speaks to the server:
	// "2025-11-25" (sessions: initialize, Mcp-Session-Id), "2026-07-28"
	// (stateless: server/discover, per-request _meta; never falls back) or
	// "auto" (default: server/discover first, the session revision when
	// the server does not speak 2026-07-28). Not for transport "sse".
	Protocol string `yaml:"protocol"`

	// Tools are rules for the server's tools, keyed by the upstream tool
	// name (without prefix) or a glob pattern in path.Match syntax (*, ?,
	// [...], \ escapes; * does not match "/"), checked when loading.
	// A rule keyed by the tool's exact name applies first; otherwise the
	// first glob rule in file order that matches applies. Tools no rule
	// matches follow the server's or the gateway's default policy.
	Tools OrderedMap[*ToolRule] `yaml:"tools"`

	// Policy overrides gateway-wide policy for this server.
	Policy *ServerPolicy `yaml:"policy"`

	// Scopes are OAuth scopes required for the server's prompts and
	// resources, and for its tools that no rule with scopes matches.
	// Needs auth.
	Scopes []string `yaml:"scopes"`

	// Restart controls restarting a command server that exits. Command
	// servers only.
	Restart Restart `yaml:"restart"`

	// TLS adds verification rules for an https url server (extra roots,
	// a client certificate, certificate pins). URL servers only.
	TLS *UpstreamTLS `yaml:"tls"`

	// Resources restricts the server's resource URIs.
	Resources *ResourceRules `yaml:"resources"`

	// OAuth makes the gateway this server's OAuth client, per user: each
	// user authorizes the gateway once at the server's authorization
	// server; the client's own token never goes upstream. URL servers
	// (Streamable HTTP) with per-client sessions only. `oauth: {}` uses
	// discovery and dynamic registration.
	OAuth *UpstreamOAuth `yaml:"oauth"`

	// TokenExchange gets each user's token for this server by RFC 8693
	// token exchange at the identity provider (auth.issuer): the user's
	// token for the gateway is exchanged for one meant for this server.
	// URL (Streamable HTTP) servers with per-client sessions only; needs
	// an external auth.issuer.
	TokenExchange *TokenExchange `yaml:"token_exchange"`

	// Sandbox confines a command server (docs/config.md#sandbox-and-egress):
	// "bwrap", "landlock", "runsc" or "none". Absent: "none", for
	// configurations written before sandboxing (mcpwarden init writes
	// "bwrap"). Command servers only.
	Sandbox string `yaml:"sandbox"`

	// FS grants paths to a sandboxed server: read (read-only) and write
	// (read-write); relative to the configuration file's directory.
	// Nothing else of the host's files is visible but system directories.
	FS *SandboxFS `yaml:"fs"`

	// Egress lists the destinations a sandboxed server may reach through
	// the gateway's egress proxy: "host:port", "host" (port 443 only) or
	// "*.example.com[:port]". Empty or absent: no network at all.
	Egress []string `yaml:"egress"`
}

// ToolRule decides about the tools a pattern matches. A rule must set
// something.
type ToolRule struct {
	// Allow permits (true) or refuses (false) calls to matching tools;
	// refused tools are also hidden from tools/list.
	Allow *bool `yaml:"allow"`

	// Scopes are OAuth scopes the caller's token must all carry to call
	// (and to see) matching tools. Needs auth.
	Scopes []string `yaml:"scopes"`

	// When is a CEL condition over args, principal, tool, server, session
	// and now that must be true for a call to run (docs/config.md#policy).
	// Compiled and type-checked when the configuration loads.
	When string `yaml:"when"`

	// Arguments, if set, are the only argument names a call may pass.
	Arguments []string `yaml:"arguments"`

	// Impact is "low", "medium" or "high": medium and high calls are held
	// for a human's approval (absent: from annotations and the name).
	Impact string `yaml:"impact"`

	// Labels mark matching tools for toxic-flow rules: untrusted_input,
	// exfiltration, sensitive_read. Absent: inferred from the name and
	// annotations. An explicit empty list ([]) means no label.
	Labels []string `yaml:"labels"`

	// Category puts matching tools in a rate-limit category
	// (limits.categories): outbound_http, db_write, file_write or a name
	// of your own. Absent: outbound_http for a tool labelled exfiltration.
	Category string `yaml:"category"`
}

// ToxicFlows keeps tools that take in untrusted content apart from tools
// that can send data out (see docs/config.md#toxic-flows-toxic_flows).
type ToxicFlows struct {
	// Mode is "off" (default), "static" (a session that could use both
	// sides is refused at tools/list, or one side is withheld) or
	// "dynamic" (once a session received untrusted content, its
	// exfiltration tools are held or denied).
	Mode string `yaml:"mode"`
	// OnConflict (static): "refuse" (default), "withhold_exfiltration" or
	// "withhold_untrusted_input".
	OnConflict string `yaml:"on_conflict"`
	// AfterTaint (dynamic): "hold" (default; denied without approvals) or
	// "deny".
	AfterTaint string `yaml:"after_taint"`
}

// Policy holds gateway-wide policy settings.
type Policy struct {
	// Default is what happens to a tool no rule matches: "allow" or
	// "deny". If omitted it is "allow" and loading returns a warning.
	Default string `yaml:"default"`

	// Mode is "enforce" (default) or "audit": in audit mode policy
	// refusals are recorded as would-be denials and the call runs.
	Mode string `yaml:"mode"`

	// SSRF configures the server-side request forgery guard, which is on
	// for every URL- or host-shaped argument without configuration.
	SSRF SSRF `yaml:"ssrf"`
}

// SSRF configures the guard against arguments that point at internal
// addresses.
type SSRF struct {
	// AllowHosts open specific internal hosts: exact host names, IP
	// addresses or CIDR prefixes.
	AllowHosts []string `yaml:"allow_hosts"`
	// Disabled turns the guard off (default false).
	Disabled bool `yaml:"disabled"`
}

// ServerPolicy overrides Policy for one server.
type ServerPolicy struct {
	// Default is "allow" or "deny" for this server's tools no rule
	// matches. Absent: the gateway-wide policy.default applies.
	Default string `yaml:"default"`

	// Mode overrides policy.mode for this server.
	Mode string `yaml:"mode"`
}

// Restart is the backoff for restarting a command server that exited; it
// doubles from InitialBackoff up to MaxBackoff.
type Restart struct {
	// InitialBackoff is the first delay. Default "500ms". Must be > 0.
	InitialBackoff Duration `yaml:"initial_backoff"`
	// MaxBackoff caps the delay. Default "30s". Must be >= InitialBackoff.
	MaxBackoff Duration `yaml:"max_backoff"`
}

// Audit configures the audit log.
type Audit struct {
	// File receives audit records as JSON lines. "-" is standard output;
	// a relative path is relative to the configuration file's directory.
	// Absent: no audit file.
	File string `yaml:"file"`
	// Store also records audit events in the state store. Default true.
	Store *bool `yaml:"store"`
	// RedactShapes names the credential formats masked wherever they
	// appear in an event (arguments, results, details): aws_access_key,
	// github_token, jwt, private_key ... (internal/secretshape). Absent:
	// all of them; [none]: the pass is off.
	RedactShapes []string `yaml:"redact_shapes"`
}

// Secrets configures reference resolution (docs/config.md#secrets).
type Secrets struct {
	// Refresh re-resolves every reference this often (Vault, files,
	// environment) and on SIGHUP; a changed value is used from the next
	// request on, without dropping sessions. Default "5m".
	Refresh Duration `yaml:"refresh"`
	// Vault is the HashiCorp Vault / OpenBao server of vault: references.
	Vault *Vault `yaml:"vault"`
}

// Vault is a HashiCorp Vault or OpenBao server (KV v1 or v2).
type Vault struct {
	// Address such as "https://vault.example:8200". Plain http only to a
	// loopback address.
	Address string `yaml:"address"`
	// Namespace (Vault Enterprise / OpenBao namespaces). Optional.
	Namespace string `yaml:"namespace"`
	// CAFile verifies the server's certificate. Optional.
	CAFile string `yaml:"ca_file"`
	// Auth is how the gateway logs in.
	Auth VaultAuth `yaml:"auth"`
}

// VaultAuth is token or AppRole login.
type VaultAuth struct {
	// Method: "token" or "approle". Default "token".
	Method string `yaml:"method"`
	// Token (method token): a reference (env:VAULT_TOKEN or file:).
	Token Value `yaml:"token"`
	// RoleID and SecretID (method approle): references.
	RoleID   Value `yaml:"role_id"`
	SecretID Value `yaml:"secret_id"`
	// Mount of the AppRole auth method. Default "approle".
	Mount string `yaml:"mount"`
}

// Store configures the SQLite state store.
type Store struct {
	// Path is the SQLite database file; relative paths are relative to
	// the configuration file's directory. ":memory:" keeps state in
	// memory only. Default "mcpwarden.db" next to the configuration file.
	Path string `yaml:"path"`
	// Retention bounds the audit events kept in the store by age and
	// size. Absent: events are kept forever.
	Retention *Retention `yaml:"retention"`
}

// Retention bounds the audit trail in the store (see
// docs/config.md#retention-storeretention). Deletion always takes the oldest
// events first, and every pass that deletes records an audit.retention event.
type Retention struct {
	// MaxAge deletes events older than this. Zero: no age limit.
	MaxAge Duration `yaml:"max_age"`
	// AlertsMaxAge keeps alerts (type "alert") this long instead; at least
	// MaxAge, which it requires. Default: MaxAge.
	AlertsMaxAge Duration `yaml:"alerts_max_age"`
	// MaxSize deletes the oldest events while the database's used pages
	// exceed this many bytes. Zero: no size limit.
	MaxSize ByteSize `yaml:"max_size"`
	// Interval is the time between retention passes. Default "5m"; at
	// least "1s".
	Interval Duration `yaml:"interval"`
}

// Auth configures client authentication (see docs/config.md#auth).
type Auth struct {
	// Mode is "embedded" (the gateway's own authorization server) or
	// "external" (tokens from the IdP at Issuer). Default: "external" when
	// Issuer is set, else "embedded".
	Mode string `yaml:"mode"`

	// Issuer is the external authorization server's issuer URL. Its
	// metadata is discovered (RFC 8414, then OpenID Connect discovery)
	// for the JWKS and introspection endpoints.
	Issuer string `yaml:"issuer"`

	// Resource is this gateway's resource URI, the audience tokens must
	// carry (RFC 8707). Default: "http://" + listen + path.
	Resource string `yaml:"resource"`

	// JWKSURL overrides the discovered jwks_uri.
	JWKSURL string `yaml:"jwks_url"`

	// Introspection validates opaque (non-JWT) tokens with RFC 7662.
	Introspection *Introspection `yaml:"introspection"`

	// Algorithms allowed for JWT access tokens. Default: RS256, RS384,
	// RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA. Symmetric
	// (HS*) algorithms and "none" are never accepted.
	Algorithms []string `yaml:"algorithms"`

	// ClockSkew is the leeway for exp/nbf/iat. Default "30s", at most "5m".
	ClockSkew Duration `yaml:"clock_skew"`

	// AccessTokenTTL is the lifetime of access tokens the embedded server
	// issues. Default "10m"; between "1m" and "1h".
	AccessTokenTTL Duration `yaml:"access_token_ttl"`

	// RefreshTokenTTL is the lifetime of a refresh token family
	// (embedded). Default "720h" (30 days).
	RefreshTokenTTL Duration `yaml:"refresh_token_ttl"`

	// Clients are clients registered in the embedded server, by client id.
	Clients OrderedMap[*AuthClient] `yaml:"clients"`

	// DynamicRegistration allows RFC 7591 client registration at the
	// embedded server (public clients using authorization code + PKCE).
	// Default true.
	DynamicRegistration *bool `yaml:"dynamic_registration"`

	// Users may sign in at the embedded server's login page: user name to
	// password (a reference, env: or file:). Absent: the login page
	// accepts no one, so only client credentials work.
	Users OrderedMap[Value] `yaml:"users"`

	// OneShotScopes are scopes an access token may use for one call only:
	// after a call that needed one of them, the token is revoked.
	OneShotScopes []string `yaml:"one_shot_scopes"`

	// ScopesSupported are advertised in the protected resource metadata.
	// Default: every scope the configuration names.
	ScopesSupported []string `yaml:"scopes_supported"`

	// TokenCacheSize bounds the cache of verified tokens. Default 10000.
	TokenCacheSize int `yaml:"token_cache_size"`

	// LoginClient is the gateway's own client at the external IdP for
	// signing users in on the gateway's pages (the connect links of
	// servers.NAME.oauth must be completed by the user they were made
	// for). Its redirect URI is <gateway origin>/oauth/upstream/signin.
	LoginClient *LoginClient `yaml:"login_client"`
}

// LoginClient is an OpenID Connect client registration at the IdP.
type LoginClient struct {
	ClientID     string `yaml:"client_id"`
	ClientSecret Value  `yaml:"client_secret"`
}

// Introspection is an RFC 7662 endpoint with the gateway's credentials.
type Introspection struct {
	// URL of the endpoint. Default: the discovered introspection_endpoint.
	URL string `yaml:"url"`
	// ClientID and ClientSecret authenticate the gateway (HTTP Basic).
	ClientID     string `yaml:"client_id"`
	ClientSecret Value  `yaml:"client_secret"`
}

// AuthClient is a client registered in the embedded authorization server.
type AuthClient struct {
	// GrantTypes: "client_credentials", "authorization_code",
	// "refresh_token".
	GrantTypes []string `yaml:"grant_types"`
	// JWKSFile holds the client's public keys for private_key_jwt client
	// authentication (RFC 7523). Required for client_credentials.
	JWKSFile string `yaml:"jwks_file"`
	// RedirectURIs for authorization_code (exact match).
	RedirectURIs []string `yaml:"redirect_uris"`
	// Scopes the client may be granted.
	Scopes []string `yaml:"scopes"`
}

// Default values.
const (
	DefaultListen             = "127.0.0.1:8931"
	DefaultPath               = "/mcp"
	DefaultNamespaceSeparator = "__"
	DefaultMaxBodyBytes       = 4 << 20
	DefaultStoreFile          = "mcpwarden.db"

	TransportStdio          = "stdio"
	TransportStreamableHTTP = "streamable-http"
	TransportSSE            = "sse"

	SessionsShared    = "shared"
	SessionsPerClient = "per-client"

	// Values of servers.NAME.protocol.
	ProtocolAuto   = "auto"
	ProtocolLegacy = "2025-11-25"
	ProtocolModern = "2026-07-28"

	PolicyAllow = "allow"
	PolicyDeny  = "deny"

	ModeEnforce = "enforce"
	ModeAudit   = "audit"

	// SelfCommand as Server.Command means this binary's own path.
	SelfCommand = "@self"
	// MemoryStore as Store.Path keeps state in memory.
	MemoryStore = ":memory:"
	// StdoutFile as Audit.File writes to standard output.
	StdoutFile = "-"
)

// DefaultAllowedOrigins is the Origin allowlist used when allowed_origins is
// absent.
var DefaultAllowedOrigins = []string{
	"http://localhost:*", "https://localhost:*",
	"http://127.0.0.1:*", "https://127.0.0.1:*",
	"http://[::1]:*", "https://[::1]:*",
}

// DefaultYAML is the built-in example configuration (a demo server served by
// this binary itself). See Default.
//
//go:embed default.yaml
var DefaultYAML []byte

// maxFileSize bounds configuration files.
const maxFileSize = 4 << 20

// Load reads, decodes and validates the configuration file at path.
// Relative paths in the file are relative to the file's directory. It
// returns warnings (things that are allowed but probably not meant) even
// when it fails. The error, if any, lists every problem found, one per line
// (see Error).
func Load(path string) (*Config, []string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if fi.IsDir() {
		return nil, nil, &Error{File: path, Msg: "is a directory, not a configuration file"}
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, nil, err
	}
	dir := filepath.Dir(path)
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return Parse(data, path, dir)
}

// Parse decodes and validates configuration data. name is used in error
// messages (usually the file name); baseDir is the directory relative paths
// in the configuration are resolved against ("" leaves them relative to the
// process's working directory). Parse never panics, reads no files and
// resolves no references.
func Parse(data []byte, name string, baseDir string) (cfg *Config, warnings []string, err error) {
	defer func() {
		if r := recover(); r != nil {
			cfg, err = nil, &Error{File: name, Msg: fmt.Sprintf("internal error while parsing configuration: %v", r)}
		}
	}()
	if len(data) > maxFileSize {
		return nil, nil, &Error{File: name, Msg: fmt.Sprintf("file is larger than %d bytes", maxFileSize)}
	}
	root, perr := parseDocument(data, name)
	if perr != nil {
		return nil, nil, perr
	}
	d := newDecoder(name)
	var c Config
	if root.Kind != yaml.MappingNode {
		d.errorf(root.Line, "", "expected a mapping of settings at the top level, got %s", describe(root))
		return nil, nil, d.err()
	}
	d.decode(reflect.ValueOf(&c).Elem(), root, "")
	v := &validator{d: d, cfg: &c}
	v.validate()
	if err := d.err(); err != nil {
		return nil, v.warnings, err
	}
	c.applyDefaults(baseDir)
	if v.sandboxGrants(name, baseDir); d.err() != nil {
		return nil, v.warnings, d.err()
	}
	return &c, v.warnings, nil
}

// Default returns the built-in example configuration (DefaultYAML).
func Default() (*Config, []string, error) {
	return Parse(DefaultYAML, "default.yaml", "")
}

// ServerNames returns the server names in file order.
func (c *Config) ServerNames() []string {
	return append([]string(nil), c.Servers.Keys...)
}

// IsStdio reports whether s is a command (stdio) server.
func (s *Server) IsStdio() bool { return s.Command != "" }

// EffectivePrefix returns the prefix the server's tools are exposed under:
// Prefix if set, else the server name.
func (s *Server) EffectivePrefix() string {
	if s.Prefix != nil {
		return *s.Prefix
	}
	return s.Name
}

// relToOpt is relTo for an optional path.
func relToOpt(baseDir, p string) string {
	if p == "" {
		return ""
	}
	return relTo(baseDir, p)
}

// Client certificate modes.
const (
	ClientCertsRequire  = "require"
	ClientCertsOptional = "optional"
)

// Authenticated reports whether requests are authenticated: bearer tokens
// (auth) or client certificates mapped to principals (tls.principals).
func (c *Config) Authenticated() bool {
	return c.Auth != nil || (c.TLS != nil && c.TLS.Principals.Len() > 0)
}

// IsLoopbackListen reports whether a listen address binds only to loopback:
// "localhost", an address in 127.0.0.0/8 or ::1, with a port. An empty host,
// 0.0.0.0, ::, any other address or name, or an unparsable value is false.
func IsLoopbackListen(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (c *Config) applyDefaults(baseDir string) {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.Path == "" {
		c.Path = DefaultPath
	}
	if c.AllowedOrigins == nil {
		c.AllowedOrigins = append([]string(nil), DefaultAllowedOrigins...)
	}
	if c.NamespaceSeparator == "" {
		c.NamespaceSeparator = DefaultNamespaceSeparator
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.SessionIdleTimeout == 0 {
		c.SessionIdleTimeout = Duration(30 * time.Minute)
	}
	if c.Secrets.Refresh == 0 {
		c.Secrets.Refresh = Duration(DefaultSecretsRefresh)
	}
	if vc := c.Secrets.Vault; vc != nil {
		if vc.Auth.Method == "" {
			vc.Auth.Method = VaultAuthToken
		}
		if vc.Auth.Mount == "" {
			vc.Auth.Mount = "approle"
		}
		if vc.CAFile != "" && !filepath.IsAbs(vc.CAFile) {
			vc.CAFile = filepath.Join(baseDir, vc.CAFile)
		}
		vc.Auth.Token = vc.Auth.Token.WithBaseDir(baseDir)
		vc.Auth.RoleID = vc.Auth.RoleID.WithBaseDir(baseDir)
		vc.Auth.SecretID = vc.Auth.SecretID.WithBaseDir(baseDir)
	}
	if c.Policy.Default == "" {
		c.Policy.Default = PolicyAllow
	}
	if c.Policy.Mode == "" {
		c.Policy.Mode = ModeEnforce
	}
	if c.Audit.Store == nil {
		t := true
		c.Audit.Store = &t
	}
	if c.Audit.File != "" && c.Audit.File != StdoutFile {
		c.Audit.File = relTo(baseDir, c.Audit.File)
	}
	if c.Scan.Definitions == "" {
		c.Scan.Definitions = "withhold"
	}
	if c.Scan.Results == "" {
		c.Scan.Results = "annotate"
	}
	if c.Scan.MinSeverity == "" {
		c.Scan.MinSeverity = "high"
	}
	if c.Scan.SensitiveElicitation == "" {
		c.Scan.SensitiveElicitation = "refuse"
	}
	for i, r := range c.Detect.Rules {
		c.Detect.Rules[i] = relTo(baseDir, r)
	}
	if c.Pin == nil {
		c.Pin = &Pin{Mode: PinOff}
	}
	if c.Pin.Mode == "" {
		c.Pin.Mode = PinStrict
	}
	if c.Pin.Lockfile == "" {
		c.Pin.Lockfile = DefaultLockfile
	}
	c.Pin.Lockfile = relTo(baseDir, c.Pin.Lockfile)
	if r := c.Store.Retention; r != nil {
		if r.AlertsMaxAge == 0 {
			r.AlertsMaxAge = r.MaxAge
		}
		if r.Interval == 0 {
			r.Interval = Duration(5 * time.Minute)
		}
	}
	switch {
	case c.Store.Path == "":
		c.Store.Path = relTo(baseDir, DefaultStoreFile)
	case c.Store.Path != MemoryStore:
		c.Store.Path = relTo(baseDir, c.Store.Path)
	}
	for _, name := range c.Servers.Keys {
		s := c.Servers.Values[name]
		s.Name = name
		if s.Prefix == nil {
			p := name
			s.Prefix = &p
		}
		if s.Timeout == 0 {
			s.Timeout = Duration(60 * time.Second)
		}
		if s.ConnectTimeout == 0 {
			s.ConnectTimeout = Duration(30 * time.Second)
		}
		for _, k := range s.Env.Keys {
			s.Env.Values[k] = s.Env.Values[k].WithBaseDir(baseDir)
		}
		for _, k := range s.Headers.Keys {
			s.Headers.Values[k] = s.Headers.Values[k].WithBaseDir(baseDir)
		}
		if s.Protocol == "" {
			s.Protocol = ProtocolAuto
		}
		if s.IsStdio() {
			if s.Transport == "" {
				s.Transport = TransportStdio
			}
			if s.Sessions == "" {
				s.Sessions = SessionsShared
			}
			if s.Restart.InitialBackoff == 0 {
				s.Restart.InitialBackoff = Duration(500 * time.Millisecond)
			}
			if s.Restart.MaxBackoff == 0 {
				s.Restart.MaxBackoff = max(Duration(30*time.Second), s.Restart.InitialBackoff)
			}
			if s.Dir == "" {
				s.Dir = baseDir
			} else {
				s.Dir = relTo(baseDir, s.Dir)
			}
		} else {
			if s.Transport == "" {
				s.Transport = TransportStreamableHTTP
			}
			if s.Sessions == "" {
				s.Sessions = SessionsPerClient
			}
		}
	}
	if t := c.TLS; t != nil {
		t.CertFile, t.KeyFile, t.ClientCAFile = relToOpt(baseDir, t.CertFile), relToOpt(baseDir, t.KeyFile), relToOpt(baseDir, t.ClientCAFile)
		if t.ClientCAFile != "" && t.ClientCerts == "" {
			t.ClientCerts = ClientCertsRequire
		}
	}
	for _, name := range c.Servers.Keys {
		if sc := c.Servers.Values[name]; sc != nil && sc.TLS != nil {
			t := sc.TLS
			t.CAFile, t.CertFile, t.KeyFile = relToOpt(baseDir, t.CAFile), relToOpt(baseDir, t.CertFile), relToOpt(baseDir, t.KeyFile)
		}
	}
	for _, name := range c.Servers.Keys {
		if sc := c.Servers.Values[name]; sc != nil && sc.OAuth != nil {
			sc.OAuth.ClientSecret = sc.OAuth.ClientSecret.WithBaseDir(baseDir)
		}
	}
	for _, name := range c.Servers.Keys {
		if sc := c.Servers.Values[name]; sc != nil && sc.TokenExchange != nil {
			sc.TokenExchange.ClientSecret = sc.TokenExchange.ClientSecret.WithBaseDir(baseDir)
			if sc.TokenExchange.Audience == "" {
				sc.TokenExchange.Audience = sc.URL
			}
		}
	}
	if c.Auth != nil && c.Auth.LoginClient != nil {
		c.Auth.LoginClient.ClientSecret = c.Auth.LoginClient.ClientSecret.WithBaseDir(baseDir)
	}
	if a := c.Approvals; a != nil {
		if a.Timeout == 0 {
			a.Timeout = Duration(2 * time.Minute)
		}
		if a.Infer == nil {
			t := true
			a.Infer = &t
		}
		if a.Webhook != nil {
			a.Webhook.Secret = a.Webhook.Secret.WithBaseDir(baseDir)
		}
		if a.Admin != nil {
			a.Admin.Token = a.Admin.Token.WithBaseDir(baseDir)
		}
	}
	if c.Admin != nil {
		c.Admin.Token = c.Admin.Token.WithBaseDir(baseDir)
	}
	if t := c.Telemetry; t != nil {
		if t.ServiceName == "" {
			t.ServiceName = "mcpwarden"
		}
		if t.SampleRatio == nil {
			one := 1.0
			t.SampleRatio = &one
		}
		if o := t.OTLP; o != nil {
			if o.Logs == "" {
				o.Logs = OTLPLogsAlerts
			}
			for _, k := range o.Headers.Keys {
				o.Headers.Values[k] = o.Headers.Values[k].WithBaseDir(baseDir)
			}
		}
	}
	c.applyAuthDefaults()
	if a := c.Auth; a != nil {
		for _, id := range a.Clients.Keys {
			if cl := a.Clients.Values[id]; cl != nil && cl.JWKSFile != "" {
				cl.JWKSFile = relTo(baseDir, cl.JWKSFile)
			}
		}
		for _, u := range a.Users.Keys {
			a.Users.Values[u] = a.Users.Values[u].WithBaseDir(baseDir)
		}
		if a.Introspection != nil {
			a.Introspection.ClientSecret = a.Introspection.ClientSecret.WithBaseDir(baseDir)
		}
	}
}

func relTo(baseDir, p string) string {
	if baseDir == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(baseDir, p)
}
