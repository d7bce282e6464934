package generator

import "testing"

func TestLayoutSpecFile(t *testing.T) {
	for _, tc := range []struct{ specDir, p, want string }{
		{"", "hardware/cp1.nix", "hardware/cp1.nix"},
		{".", "./hardware/cp1.nix", "hardware/cp1.nix"},
		{"..", "secrets/cluster.yaml", "../secrets/cluster.yaml"},
		{"../../lab", "custom/x.nix", "../../lab/custom/x.nix"},
		{"infra", ".", "infra"},
		{"", ".", "."},
	} {
		if got := (Layout{SpecDir: tc.specDir}).SpecFile(tc.p); got != tc.want {
			t.Errorf("Layout{%q}.SpecFile(%q) = %q, want %q", tc.specDir, tc.p, got, tc.want)
		}
	}
}
