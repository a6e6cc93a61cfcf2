package network

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/configobject"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
)

// networkTypes are the managed network types incusd 6.0 creates.
var networkTypes = []string{"bridge", "macvlan", "sriov", "ovn", "physical"}

// addressKeys are a network's own addresses: on a bridge (and OVN network)
// left out or set to `auto`, incusd picks a free subnet and stores it.
var addressKeys = []string{"ipv4.address", "ipv6.address"}

// filledKeys are the keys incusd fills in when not given: the addresses,
// and NAT, which it turns on for an address it picked.
var filledKeys = map[string]bool{"ipv4.address": true, "ipv6.address": true, "ipv4.nat": true, "ipv6.nat": true}

func filled(key string) bool { return filledKeys[key] }

// concrete reports an address incusd made of `auto` (not none, not unset).
func concrete(v string) bool { return v != "" && v != "none" && v != "auto" }

// model is the state of rack_incus_network.
type model struct {
	configobject.Base
	Project      types.String `tfsdk:"project"`
	Type         types.String `tfsdk:"type"`
	Target       types.String `tfsdk:"target"`
	MemberConfig types.Map    `tfsdk:"member_config"`
	Managed      types.Bool   `tfsdk:"managed"`
	UsedBy       types.List   `tfsdk:"used_by"`
}

func (m *model) put(ctx context.Context, diags *diag.Diagnostics) incus.NetworkPut {
	cfg := fw.StringMap(ctx, m.Config, diags)
	if cfg == nil {
		cfg = map[string]string{}
	}
	return incus.NetworkPut{Description: m.Description.ValueString(), Config: cfg}
}

// keepServerValues shapes an update's config from what the server holds:
// incusd replaces the whole config on a PUT, so a filled-in key the
// configuration leaves out (the address it picked) would be dropped, and an
// `auto` sent again would pick another subnet. Both keep the server's value.
func keepServerValues(put, server map[string]string) {
	incusattr.KeepFilled(put, server, filled)
	for _, k := range addressKeys {
		if put[k] == "auto" && concrete(server[k]) {
			put[k] = server[k]
		}
	}
}

// readConfig is the config to keep in state. An address the user gave as
// `auto` stays `auto` while the server holds a real one (what auto made);
// `none` or no address there is drift. Right after an import (no ID yet,
// prior config unknown to Terraform) every key but volatile.* is shown, so
// a configuration that sets the addresses imports with an empty plan.
func readConfig(server map[string]string, prior types.Map, importing bool) types.Map {
	if importing && prior.IsNull() {
		prior = types.MapUnknown(types.StringType)
	}
	out := incusattr.ConfigFromAPI(server, prior, filled)
	if prior.IsNull() || prior.IsUnknown() || out.IsNull() {
		return out
	}
	elems := out.Elements()
	changed := false
	for _, k := range addressKeys {
		if p, ok := prior.Elements()[k].(types.String); ok && p.ValueString() == "auto" && concrete(server[k]) {
			elems[k] = types.StringValue("auto")
			changed = true
		}
	}
	if !changed {
		return out
	}
	return types.MapValueMust(types.StringType, elems)
}

// nameRE is incusd's character set of interface names (a network is one).
var nameRE = regexp.MustCompile(`^[-_a-zA-Z0-9.]+$`)

// nameProblem is incusd 6.0's check of network names (400 on create).
func nameProblem(name string) string {
	switch {
	case len(name) < 2:
		return "it must be at least 2 characters long (it is a network interface name)"
	case len(name) > 15:
		return "it must be at most 15 characters long (it is a network interface name)"
	case !nameRE.MatchString(name):
		return "it may contain only letters, digits, `-`, `_` and `.`"
	case name == "none":
		return "`none` is reserved"
	}
	return ""
}

var networkType = &configobject.Type[model, incus.Network]{
	Name:  "network",
	Title: "Network",
	Description: "An Incus managed network: a bridge (the default), macvlan, sriov, ovn or physical network. " +
		"A new name renames it in place, which incusd refuses while instances or profiles use the network (the error lists them). " +
		"A bridge's `ipv4.address` and `ipv6.address` may be `auto` (or left out, which is `auto` for a new bridge): Incus picks a free subnet and stores it; `auto` in the configuration stays `auto` in state while the network has an address of that family, and an update keeps the subnet Incus picked. " +
		"Addresses and NAT (`ipv4.nat`, `ipv6.nat`) left out of `config` are Incus's to fill in and are not drift; set `ipv4.address = \"none\"` to have no IPv4. `volatile.*` keys are never drift. " +
		"An import shows every key but `volatile.*`: a configuration that sets the addresses imports with an empty plan, one that leaves them out plans one update, which keeps them. " +
		"Deleting a network that instances or profiles still use is refused, and the error lists them; the network stays in state.",
	InProject: true,
	Target:    true,
	Attributes: map[string]schema.Attribute{
		"type": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("bridge"),
			Description:   "Network type: one of `" + strings.Join(networkTypes, "`, `") + "`. Defaults to `bridge`. Changing it replaces the network.",
			Validators:    []validator.String{stringvalidator.OneOf(networkTypes...)},
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
		"target": schema.StringAttribute{Optional: true,
			Description: "Cluster member the network is created on and read from (Incus `--target`): its `config` then holds that member's own keys only (`parent`, `bridge.external_interfaces`, `bgp.ipv4.nexthop`, `bgp.ipv6.nexthop`; incusd refuses others), and the network stays pending until created without a target; `member_config` does both steps in one resource. " +
				"Only for a clustered remote: a standalone server has no members and refuses any target (`Cluster member not found`). Changing it replaces the network.",
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
		"member_config": incusattr.MemberConfigAttribute("network", "Clusters only: the member-specific config of each cluster member, as a map of member name to config map (for example `{ node1 = { \"bridge.external_interfaces\" = \"eth1\" } }` or a macvlan's `parent`). "+
			"The network is first defined on each member with its config (`incus network create --target`), then created with `config`. "+
			"A change replaces the network; member-specific keys are not read back. Conflicts with `target`."),
		"managed": schema.BoolAttribute{Computed: true,
			Description: "Whether Incus manages the network (false for a host interface Incus only sees)."},
		"used_by": schema.ListAttribute{Computed: true, ElementType: types.StringType,
			Description: "What uses the network (instances and profiles with a NIC on it), as the URLs incusd lists (`/1.0/instances/web`, `/1.0/profiles/base?project=dev`, ...), sorted. Read on each refresh; it is never a planned change."},
	},
	NameValidators: []validator.String{incusattr.NewNameValidator("network", nameProblem)},
	Timeouts:       fw.TimeoutDefaults{Create: 5 * time.Minute, Read: 2 * time.Minute, Update: 5 * time.Minute, Delete: 5 * time.Minute},
	Filled:         filled,

	Get: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key) (configobject.Object[incus.Network], error) {
		n, err := c.GetNetwork(ctx, s, k.Name)
		if err != nil {
			return configobject.Object[incus.Network]{}, err
		}
		return configobject.Object[incus.Network]{Value: n, ETag: n.ETag}, nil
	},
	Create: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *model, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		members := incusattr.MemberConfigs(ctx, m.MemberConfig, diags)
		if diags.HasError() {
			return nil
		}
		typ := m.Type.ValueString()
		err := incusattr.ForEachMember(s, members, func(at incus.Scope, config map[string]string) error {
			return c.CreateNetwork(ctx, at, incus.NetworkSpec{Name: k.Name, Type: typ, NetworkPut: incus.NetworkPut{Config: config}})
		})
		if err != nil {
			return err
		}
		return c.CreateNetwork(ctx, s, incus.NetworkSpec{Name: k.Name, Type: typ, NetworkPut: put})
	},
	Update: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *model, etag string, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		cur, err := c.GetNetwork(ctx, s, k.Name)
		if err != nil {
			return err
		}
		keepServerValues(put.Config, cur.Config)
		return c.UpdateNetwork(ctx, s, k.Name, put, etag)
	},
	Rename: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, to string) error {
		return c.RenameNetwork(ctx, s, k.Name, to)
	},
	Delete: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, _ *model) error {
		return c.DeleteNetwork(ctx, s, k.Name)
	},
	Read: func(_ context.Context, m *model, n *incus.Network, _ *diag.Diagnostics) {
		m.Description = types.StringValue(n.Description)
		m.Type = types.StringValue(n.Type)
		m.Config = readConfig(n.Config, m.Config, m.ID.IsNull())
		m.Managed = types.BoolValue(n.Managed)
		m.UsedBy = fw.StringListValue(n.UsedBy)
		if m.Project.IsNull() || m.Project.IsUnknown() {
			m.Project = types.StringValue(n.Project)
		}
		m.MemberConfig = incusattr.MemberConfigFromAPI(m.MemberConfig)
	},
}

// NewResource is rack_incus_network.
func NewResource() resource.Resource { return configobject.NewResource(networkType)() }

// NewDataSource is data.rack_incus_network.
func NewDataSource() datasource.DataSource { return configobject.NewDataSource(networkType)() }
