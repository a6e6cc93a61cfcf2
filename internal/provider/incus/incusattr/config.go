package incusattr

import (
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// ConfigFromAPI is the `config` map to keep in state for an object whose
// server config is server. Keys the user manages (those in prior) take the
// server's value, so a change made outside Terraform shows as drift; a key
// that Incus fills in itself (filled reports it; volatile.* always) is left
// out unless the user set it; any other key on the server is shown, so a
// key added outside Terraform is drift too. A null prior with nothing to
// show stays null. An unknown prior (a data source's read) shows every key
// but volatile.* ones.
func ConfigFromAPI(server map[string]string, prior types.Map, filled func(key string) bool) types.Map {
	if prior.IsUnknown() {
		filled = nil
	}
	managed := map[string]bool{}
	if !prior.IsNull() && !prior.IsUnknown() {
		for k := range prior.Elements() {
			managed[k] = true
		}
	}
	out := map[string]attr.Value{}
	for k, v := range server {
		systemKey := strings.HasPrefix(k, "volatile.") || (filled != nil && filled(k))
		if managed[k] || !systemKey {
			out[k] = types.StringValue(v)
		}
	}
	if len(out) == 0 && (prior.IsNull() || prior.IsUnknown()) {
		return types.MapNull(types.StringType)
	}
	return types.MapValueMust(types.StringType, out)
}
