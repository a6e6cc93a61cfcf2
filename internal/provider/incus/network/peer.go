package network

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
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

// peerModel is the state of rack_incus_network_peer.
type peerModel struct {
	configobject.Base
	Project           types.String `tfsdk:"project"`
	Network           types.String `tfsdk:"network"`
	Type              types.String `tfsdk:"type"`
	TargetProject     types.String `tfsdk:"target_project"`
	TargetNetwork     types.String `tfsdk:"target_network"`
	TargetIntegration types.String `tfsdk:"target_integration"`
	Status            types.String `tfsdk:"status"`
}

// PeerNameProblem says why incusd would refuse a peer name ("" when it
// would not): it takes the names it takes for ACLs, a host name that
// `@internal` and `@external` cannot be mistaken for in ACL rules.
func PeerNameProblem(name string) string {
	if name == "internal" || name == "external" {
		return "`internal` and `external` are reserved (ACL subjects)"
	}
	return hostNameProblem(name)
}

// peerTargets checks at plan time that the targets fit the type, as
// incusd would: a local peer names a network (and maybe its project) and
// no integration; a remote one an integration and no network.
type peerTargets struct{}

func (peerTargets) Description(context.Context) string {
	return "a local peer needs target_network (and no target_integration); a remote peer needs target_integration (and no target_network or target_project)"
}

func (p peerTargets) MarkdownDescription(ctx context.Context) string { return p.Description(ctx) }

func (peerTargets) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsUnknown() {
		return
	}
	typ := req.ConfigValue.ValueString()
	if req.ConfigValue.IsNull() {
		typ = "local"
	}
	get := func(name string) (set, unknown bool) {
		var v types.String
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(name), &v)...)
		return !v.IsNull() && !v.IsUnknown(), v.IsUnknown()
	}
	network, netUnknown := get("target_network")
	project, _ := get("target_project")
	integration, intUnknown := get("target_integration")
	problem := func(attr, msg string) {
		resp.Diagnostics.AddAttributeError(path.Root(attr), "Invalid Network Peer Target", msg)
	}
	switch typ {
	case "local":
		if !network && !netUnknown {
			problem("target_network", "A local network peer (type \"local\", the default) needs target_network: the OVN network to peer with (in target_project, or the peer's own project). Set target_network, or set type = \"remote\" and target_integration for a peer through a network integration.")
		}
		if integration {
			problem("target_integration", "target_integration is only for a remote network peer (type \"remote\"); a local peer names target_network instead. Remove target_integration, or set type = \"remote\".")
		}
	case "remote":
		if !integration && !intUnknown {
			problem("target_integration", "A remote network peer (type \"remote\") needs target_integration: the network integration (rack_incus_network_integration) to peer through.")
		}
		if network {
			problem("target_network", "target_network is only for a local network peer; a remote peer goes through target_integration. Remove target_network, or set type = \"local\".")
		}
		if project {
			problem("target_project", "target_project is only for a local network peer; a remote peer goes through target_integration. Remove target_project, or set type = \"local\".")
		}
	}
}

func (m *peerModel) put(ctx context.Context, diags *diag.Diagnostics) incus.NetworkPeerPut {
	return incus.NetworkPeerPut{Description: m.Description.ValueString(), Config: fw.StringMap(ctx, m.Config, diags)}
}

// keepOr is the server's value, or (when the server answers none) what
// the state had: incusd forgets a local peer's target once its mutual
// peer is deleted (status Errored), and a target cannot change in place.
func keepOr(server string, prior types.String) types.String {
	switch {
	case server != "":
		return types.StringValue(server)
	case prior.IsUnknown():
		return types.StringNull()
	}
	return prior
}

var peerType = &configobject.Type[peerModel, incus.NetworkPeer]{
	Name:  "network_peer",
	Title: "Network Peer",
	Noun:  "network peer",
	CLI:   "network peer",
	Description: "An Incus network peer: a route between an OVN network and another OVN network of the same server (type `local`, `target_network`), or OVN networks of other deployments reached through a network integration (type `remote`, `target_integration`). " +
		"Only OVN networks have peers: a peer on a bridge or any other type is refused, and the error says so. " +
		"A local peering works once both networks have a peer to each other: until then `status` is `Pending`, then `Created` on both sides. When one side is deleted, Incus shows the other as `Errored` and forgets its target (the state keeps it); delete or replace it. " +
		"Incus cannot rename a peer nor change its type or targets: a change to any of them replaces it. " +
		"Deleting a peer that a network ACL rule names (`@<network>/<peer>` as a source) is refused, and the error lists the ACLs. " +
		"Remote peers need the server's API extension `network_integrations`. " +
		"A description or config changed outside Terraform between the refresh and the apply stops the update (incusd does not check the ETag of a peer's update, so the provider reads the peer first): apply again.",
	InProject: true,
	Parents: []configobject.Parent{
		{Attribute: "network", Description: "Name of the OVN network the peer is on."},
	},
	Attributes: map[string]schema.Attribute{
		"config": schema.MapAttribute{Optional: true, ElementType: types.StringType,
			Description: "Config keys of the peer: Incus takes `user.*` keys (and `target_address`) here, and shows its refusal of any other as it is. A key changed or added outside Terraform shows as drift.",
			Validators:  []validator.Map{mapvalidator.KeysAre(incusattr.ConfigKeyValidator{})}},
		"type": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("local"),
			Description:   "`local` (peering with another OVN network of this server, `target_network`) or `remote` (through a network integration, `target_integration`). Defaults to `local`. Changing it replaces the peer.",
			Validators:    []validator.String{stringvalidator.OneOf("local", "remote"), peerTargets{}},
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
		"target_project": schema.StringAttribute{Optional: true, Computed: true,
			Description:   "For a local peer: the project of the target network. Omitted, the project of the peer's own network (Incus fills it in). Changing it replaces the peer.",
			Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
			PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown(), stringplanmodifier.RequiresReplaceIfConfigured()}},
		"target_network": schema.StringAttribute{Optional: true,
			Description:   "For a local peer (required there): the OVN network to peer with. The peering is `Created` once that network has a peer back to this one. Changing it replaces the peer.",
			Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
		"target_integration": schema.StringAttribute{Optional: true,
			Description:   "For a remote peer (required there): the network integration (`rack_incus_network_integration`) to peer through. Changing it replaces the peer (renaming the integration too, since the reference changes).",
			Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}},
		"status": schema.StringAttribute{Computed: true,
			Description: "The peering's state as Incus reports it: `Created` (both sides peered, or a remote peer), `Pending` (the target network has no peer back yet) or `Errored` (the other side's peer was deleted)."},
	},
	NameValidators: []validator.String{incusattr.NewNameValidator("network peer", PeerNameProblem)},
	Timeouts:       zoneTimeouts,

	Get: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key) (configobject.Object[incus.NetworkPeer], error) {
		p, err := c.GetNetworkPeer(ctx, s, k.Parents[0], k.Name)
		if err != nil {
			return configobject.Object[incus.NetworkPeer]{}, err
		}
		return configobject.Object[incus.NetworkPeer]{Value: p, ETag: p.ETag}, nil
	},
	Create: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *peerModel, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		return c.CreateNetworkPeer(ctx, s, k.Parents[0], incus.NetworkPeerSpec{
			Name: k.Name, Type: m.Type.ValueString(), TargetProject: m.TargetProject.ValueString(),
			TargetNetwork: m.TargetNetwork.ValueString(), TargetIntegration: m.TargetIntegration.ValueString(),
			NetworkPeerPut: put,
		})
	},
	Update: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *peerModel, etag string, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		return c.UpdateNetworkPeer(ctx, s, k.Parents[0], k.Name, put, etag)
	},
	Delete: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, _ *peerModel) error {
		return c.DeleteNetworkPeer(ctx, s, k.Parents[0], k.Name)
	},
	Read: func(_ context.Context, m *peerModel, p *incus.NetworkPeer, _ *diag.Diagnostics) {
		m.Description = types.StringValue(p.Description)
		m.Config = incusattr.ConfigFromAPI(p.Config, m.Config, nil)
		m.Network = types.StringValue(p.Network)
		m.Type = types.StringValue(fw.OrDefault(p.Type, "local"))
		m.TargetProject = keepOr(p.TargetProject, m.TargetProject)
		m.TargetNetwork = keepOr(p.TargetNetwork, m.TargetNetwork)
		m.TargetIntegration = keepOr(p.TargetIntegration, m.TargetIntegration)
		m.Status = types.StringValue(p.Status)
	},
}

// NewPeerResource is rack_incus_network_peer.
func NewPeerResource() resource.Resource { return configobject.NewResource(peerType)() }

// NewPeerDataSource is data.rack_incus_network_peer.
func NewPeerDataSource() datasource.DataSource { return configobject.NewDataSource(peerType)() }
