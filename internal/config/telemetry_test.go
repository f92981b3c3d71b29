package config

import (
	"strings"
	"testing"
)

// TestValidateTelemetry: admin: and telemetry: errors name the key.
func TestValidateTelemetry(t *testing.T) {
	const srv = "servers:\n  a:\n    command: x\n"
	cases := []struct{ yaml, want string }{
		{"admin:\n  listen: 127.0.0.1:9464\n", ""},
		{"admin:\n  listen: 127.0.0.1:9464\n  token: env:METRICS_TOKEN\n", ""},
		{"admin:\n  listen: 0.0.0.0:9464\n", "admin.token: required when admin.listen is not a loopback address"},
		{"admin:\n  listen: 0.0.0.0:9464\n  token: plain-literal\n", "admin.token: must be a reference"},
		{"admin:\n  token: env:T\n", "admin.listen: required"},
		{"admin:\n  listen: 127.0.0.1:8931\n", "admin.listen: must differ from listen"},
		{"admin:\n  listen: nonsense\n", "admin.listen: must be host:port"},
		{"approvals:\n  admin: {listen: 127.0.0.1:9000, token: env:A}\nadmin:\n  listen: 127.0.0.1:9000\n", "admin.listen: must differ from approvals.admin.listen"},
		{"telemetry:\n  otlp:\n    endpoint: http://127.0.0.1:4318\n", ""},
		{"telemetry:\n  service_name: gw\n  sample_ratio: 0.25\n  otlp:\n    endpoint: https://otel.example:4318/base\n    logs: all\n    headers: {Authorization: env:OTLP_AUTH}\n", ""},
		{"telemetry:\n  otlp:\n    endpoint: http://otel.example:4318\n", "telemetry.otlp.insecure: telemetry.otlp.endpoint \"http://otel.example:4318\" is plain http"},
		{"telemetry:\n  otlp:\n    endpoint: http://otel.example:4318\n    insecure: true\n", ""},
		{"telemetry:\n  otlp:\n    endpoint: ftp://x\n", "telemetry.otlp.endpoint: must be an http(s) base URL"},
		{"telemetry:\n  otlp: {}\n", "telemetry.otlp.endpoint: required"},
		{"telemetry:\n  otlp:\n    endpoint: http://127.0.0.1:4318\n    logs: some\n", "telemetry.otlp.logs: must be"},
		{"telemetry:\n  otlp:\n    endpoint: http://127.0.0.1:4318\n    headers: {X-Api-Key: literal-secret}\n", "telemetry.otlp.headers.X-Api-Key: secrets must be references"},
		{"telemetry:\n  sample_ratio: 1.5\n", "telemetry.sample_ratio: must be between 0 and 1"},
		{"telemetry:\n  otlp:\n    endpoint: http://127.0.0.1:4318\n    logz: all\n", "telemetry.otlp.logz"},
	}
	for _, tc := range cases {
		cfg, _, err := Parse([]byte(srv+tc.yaml), "m.yaml", "")
		if tc.want == "" {
			if err != nil {
				t.Errorf("%q: unexpected error %v", tc.yaml, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.yaml, err, tc.want)
		}
		_ = cfg
	}
	cfg, _, err := Parse([]byte(srv+"telemetry:\n  otlp:\n    endpoint: http://127.0.0.1:4318\n"), "m.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	if tc := cfg.Telemetry; tc.ServiceName != "mcpwarden" || *tc.SampleRatio != 1 || tc.OTLP.Logs != OTLPLogsAlerts {
		t.Fatalf("defaults: %+v %+v", tc, tc.OTLP)
	}
}
