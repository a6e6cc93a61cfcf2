package network

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
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

// forwardModel is the state of rack_incus_network_forward: keyed by its
// listen address, not a name.
type forwardModel struct {
	configobject.Core
	ListenAddress types.String `tfsdk:"listen_address"`
	Config        types.Map    `tfsdk:"config"`
	Network       types.String `tfsdk:"network"`
	Project       types.String `tfsdk:"project"`
	Ports         types.List   `tfsdk:"ports"`
}

func (m *forwardModel) NameField() *types.String { return &m.ListenAddress }
func (m *forwardModel) ConfigField() *types.Map  { return &m.Config }

// forwardPortModel is one port rule; target_port null sends to the same port.
type forwardPortModel struct {
	Description   types.String `tfsdk:"description"`
	Protocol      types.String `tfsdk:"protocol"`
	ListenPort    types.String `tfsdk:"listen_port"`
	TargetAddress types.String `tfsdk:"target_address"`
	TargetPort    types.String `tfsdk:"target_port"`
}

var forwardPortAttrTypes = map[string]attr.Type{
	"description": types.StringType, "protocol": types.StringType, "listen_port": types.StringType,
	"target_address": types.StringType, "target_port": types.StringType,
}

var forwardPortType = types.ObjectType{AttrTypes: forwardPortAttrTypes}

var addrTimeouts = fw.TimeoutDefaults{Create: 2 * time.Minute, Read: 2 * time.Minute, Update: 2 * time.Minute, Delete: 2 * time.Minute}

// listenAddressAttribute is the key of a forward or load balancer.
func listenAddressAttribute(what string) schema.StringAttribute {
	return schema.StringAttribute{Required: true,
		Description:   fmt.Sprintf("The IP address the %s listens on, in canonical form (`198.18.0.5`, `2001:db8::5`); it names the %s on its network. Changing it replaces the %s.", what, what, what),
		Validators:    []validator.String{addressValidator{listen: true}},
		PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()}}
}

func portDescription() schema.StringAttribute {
	return schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(""),
		Description: "Description of the port rule, without white space at its start or end (Incus trims it). Defaults to empty.",
		Validators:  []validator.String{fw.StoredAsWritten{}}}
}

// trimmedDescription is the description of a forward or load balancer:
// incusd trims it, so it is checked like the ports' (portDescription).
func trimmedDescription(what string) schema.StringAttribute {
	return schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString(""),
		Description: fmt.Sprintf("Description of the %s, without white space at its start or end (Incus trims it). Defaults to empty.", what),
		Validators:  []validator.String{fw.StoredAsWritten{}}}
}

func protocolAttribute() schema.StringAttribute {
	return schema.StringAttribute{Required: true, Description: "The protocol: `tcp` or `udp`.",
		Validators: []validator.String{stringvalidator.OneOf("tcp", "udp")}}
}

func listenPortAttribute() schema.StringAttribute {
	return schema.StringAttribute{Required: true,
		Description: "The ports to listen on, as Incus takes them: a port (`80`), a range (`8000-8010`) or a comma-separated list of them (`80,443`), without spaces. A listen port may appear once per protocol across the entries.",
		Validators:  []validator.String{portListValidator{}}}
}

var forwardType = &configobject.Type[forwardModel, incus.NetworkForward]{
	Name:          "network_forward",
	NameAttribute: "listen_address",
	Title:         "Network Forward",
	Noun:          "network forward",
	CLI:           "network forward",
	Description: "An Incus network address forward: traffic to a listen address is sent to addresses on a managed network (bridge or OVN), per port or to a default target. " +
		"Incus cannot change a forward's listen address or move it to another network: either replaces it. " +
		"Target addresses must lie in the network's subnet; incusd checks that on apply and its error names the port entry (`port specification N` is `ports[N]`).",
	InProject: true,
	Parents: []configobject.Parent{
		{Attribute: "network", Description: "Name of the managed network (bridge or OVN) the forward is on."},
	},
	Attributes: map[string]schema.Attribute{
		"description":    trimmedDescription("forward"),
		"listen_address": listenAddressAttribute("forward"),
		"config": schema.MapAttribute{Optional: true, ElementType: types.StringType,
			Description: "Config keys of the forward: `target_address`, the default target for ports no entry of `ports` names (an address in the network's subnet), and `user.*` keys. A key changed or added outside Terraform shows as drift.",
			Validators: []validator.Map{mapvalidator.KeysAre(incusattr.ConfigKeyValidator{}),
				defaultTargetValidator{}}},
		"ports": schema.ListNestedAttribute{Optional: true,
			Description: "Port rules, in order: each sends its listen ports to a target address. Omitted, the forward has none (only the default target, if set). An entry changed, added or removed outside Terraform shows as drift.",
			Validators:  []validator.List{forwardPortsValidator{}},
			NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
				"description": portDescription(),
				"protocol":    protocolAttribute(),
				"listen_port": listenPortAttribute(),
				"target_address": schema.StringAttribute{Required: true,
					Description: "The address to send the traffic to: in the network's subnet, of the listen address's IP version, in canonical form, and not the default target (`config.target_address`).",
					Validators:  []validator.String{addressValidator{}, sameFamilyValidator{}}},
				"target_port": schema.StringAttribute{Optional: true,
					Description: "The target ports: one port (every listen port goes there) or as many ports as listen_port holds, in the same form. Omitted, each listen port goes to the same port on the target.",
					Validators:  []validator.String{portListValidator{}}},
			}},
		},
	},
	Timeouts: addrTimeouts,

	Get: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key) (configobject.Object[incus.NetworkForward], error) {
		f, err := c.GetNetworkForward(ctx, s, k.Parents[0], k.Name)
		if err != nil {
			return configobject.Object[incus.NetworkForward]{}, err
		}
		return configobject.Object[incus.NetworkForward]{Value: f, ETag: f.ETag}, nil
	},
	Create: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *forwardModel, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		return c.CreateNetworkForward(ctx, s, k.Parents[0], k.Name, put)
	},
	Update: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *forwardModel, etag string, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		return c.UpdateNetworkForward(ctx, s, k.Parents[0], k.Name, put, etag)
	},
	Delete: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, _ *forwardModel) error {
		return c.DeleteNetworkForward(ctx, s, k.Parents[0], k.Name)
	},
	Read: func(_ context.Context, m *forwardModel, f *incus.NetworkForward, diags *diag.Diagnostics) {
		m.Description = types.StringValue(f.Description)
		m.Config = incusattr.ConfigFromAPI(f.Config, m.Config, nil)
		m.Network = types.StringValue(f.Network)
		m.Ports = listOrNull(len(f.Ports), m.Ports, forwardPortType, diags, func(i int) map[string]attr.Value {
			p := f.Ports[i]
			return map[string]attr.Value{
				"description": types.StringValue(p.Description), "protocol": types.StringValue(p.Protocol),
				"listen_port": types.StringValue(p.ListenPort), "target_address": types.StringValue(p.TargetAddress),
				"target_port": nullIfEmpty(p.TargetPort),
			}
		})
	},
}

func (m *forwardModel) put(ctx context.Context, diags *diag.Diagnostics) incus.NetworkForwardPut {
	out := incus.NetworkForwardPut{Description: m.Description.ValueString(), Config: fw.StringMap(ctx, m.Config, diags)}
	var ports []forwardPortModel
	if !m.Ports.IsNull() && !m.Ports.IsUnknown() {
		diags.Append(m.Ports.ElementsAs(ctx, &ports, false)...)
	}
	for _, p := range ports {
		out.Ports = append(out.Ports, incus.NetworkForwardPort{Description: p.Description.ValueString(), Protocol: p.Protocol.ValueString(),
			ListenPort: p.ListenPort.ValueString(), TargetAddress: p.TargetAddress.ValueString(), TargetPort: p.TargetPort.ValueString()})
	}
	return out
}

// forwardPortsValidator checks what spans the entries: a listen port used
// twice for one protocol, a target port count that fits neither one nor
// the listen ports, a target that is the default target.
type forwardPortsValidator struct{}

func (forwardPortsValidator) Description(context.Context) string {
	return "each listen port once per protocol; target ports one or as many as the listen ports"
}

func (v forwardPortsValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (forwardPortsValidator) ValidateList(ctx context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	var ports []forwardPortModel
	if req.ConfigValue.ElementsAs(ctx, &ports, false).HasError() {
		return // unknown parts: checked once known
	}
	var cfg types.Map
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, req.Path.ParentPath().AtName("config"), &cfg)...)
	deflt := ""
	if !cfg.IsNull() && !cfg.IsUnknown() {
		if v, ok := cfg.Elements()["target_address"].(types.String); ok && known(v) {
			deflt = v.ValueString()
		}
	}
	use := portUse{}
	for i, p := range ports {
		at := req.Path.AtListIndex(i)
		if known(p.TargetAddress) && deflt != "" && p.TargetAddress.ValueString() == deflt {
			resp.Diagnostics.AddAttributeError(at.AtName("target_address"), "Invalid Forward Port",
				fmt.Sprintf("%s is %q, the forward's default target (config.target_address); incusd refuses a port entry to the default target. Leave the entry out (the default target takes those ports) or pick another address.", at.AtName("target_address"), deflt))
		}
		if !known(p.ListenPort) || !known(p.Protocol) {
			continue
		}
		listen := expandPorts(p.ListenPort.ValueString())
		if listen == nil {
			continue
		}
		if port, by, ok := use.take(p.Protocol.ValueString(), listen, i); !ok {
			resp.Diagnostics.AddAttributeError(at.AtName("listen_port"), "Duplicate Listen Port",
				fmt.Sprintf("%s: %s port %d is already a listen port of %s; incusd takes each listen port once per protocol.", at, p.Protocol.ValueString(), port, req.Path.AtListIndex(by)))
		}
		if known(p.TargetPort) {
			if n, problem := PortListProblem(p.TargetPort.ValueString()); problem == "" && n != 1 && n != len(listen) {
				resp.Diagnostics.AddAttributeError(at.AtName("target_port"), "Target Ports Do Not Match Listen Ports",
					fmt.Sprintf("%s: target_port %q holds %d ports and listen_port %q holds %d; give one target port or as many as the listen ports.", at, p.TargetPort.ValueString(), n, p.ListenPort.ValueString(), len(listen)))
			}
		}
	}
}

// defaultTargetValidator checks config.target_address as an address.
type defaultTargetValidator struct{}

func (defaultTargetValidator) Description(context.Context) string {
	return "target_address, when set, is an IP address in canonical form"
}

func (v defaultTargetValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (defaultTargetValidator) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	v, ok := req.ConfigValue.Elements()["target_address"].(types.String)
	if !ok || !known(v) {
		return
	}
	if problem := AddressProblem(v.ValueString(), false); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path.AtMapKey("target_address"), "Invalid IP Address",
			fmt.Sprintf("config.target_address is %q: %s.", v.ValueString(), problem))
	}
}

// NewForwardResource is rack_incus_network_forward.
func NewForwardResource() resource.Resource { return configobject.NewResource(forwardType)() }

// NewForwardDataSource is data.rack_incus_network_forward.
func NewForwardDataSource() datasource.DataSource { return configobject.NewDataSource(forwardType)() }
