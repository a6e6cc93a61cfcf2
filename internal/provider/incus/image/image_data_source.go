package image

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/providerdata"
)

var _ datasource.DataSourceWithConfigure = (*imageDataSource)(nil)

type imageDataSource struct {
	data *providerdata.Data
}

func NewDataSource() datasource.DataSource { return &imageDataSource{} }

type imageDataModel struct {
	ID           types.String `tfsdk:"id"`
	Name         types.String `tfsdk:"name"`
	Type         types.String `tfsdk:"type"`
	Architecture types.String `tfsdk:"architecture"`
	Project      types.String `tfsdk:"project"`
	Remote       types.String `tfsdk:"remote"`
	Fingerprint  types.String `tfsdk:"fingerprint"`
	Aliases      types.Set    `tfsdk:"aliases"`
	Description  types.String `tfsdk:"description"`
	Public       types.Bool   `tfsdk:"public"`
	AutoUpdate   types.Bool   `tfsdk:"auto_update"`
	Size         types.Int64  `tfsdk:"size"`
	CreatedAt    types.String `tfsdk:"created_at"`
}

func (d *imageDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_incus_image"
}

func (d *imageDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerdata.From(req.ProviderData, &resp.Diagnostics)
}

func (d *imageDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Finds an existing Incus image of a project by alias or fingerprint. An image that does not exist, or is not of the asked type or architecture, is an error.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{Required: true, Description: "Alias, or fingerprint (a unique prefix is enough), of the image.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
			"type": schema.StringAttribute{Optional: true, Computed: true, Description: "`container` or `virtual-machine`: the image must be of this type. Any by default.",
				Validators: []validator.String{stringvalidator.OneOf("container", "virtual-machine")}},
			"architecture": schema.StringAttribute{Optional: true, Computed: true, Description: "The image must be for this architecture (`x86_64`, ...). Any by default."},
			"project":      schema.StringAttribute{Optional: true, Computed: true, Description: "Incus project; defaults to the remote's project, else `default`."},
			"remote": schema.StringAttribute{Optional: true, Computed: true, Description: "Incus remote; defaults to the provider's default remote.",
				Validators: []validator.String{fw.BlockNameValidator}},
			"id":          schema.StringAttribute{Computed: true, Description: "`remote:project/fingerprint`."},
			"fingerprint": schema.StringAttribute{Computed: true, Description: "Full SHA-256 fingerprint."},
			"aliases":     schema.SetAttribute{Computed: true, ElementType: types.StringType, Description: "Aliases of the image."},
			"description": schema.StringAttribute{Computed: true, Description: "The image's `description` property."},
			"public":      schema.BoolAttribute{Computed: true, Description: "Whether untrusted clients may see the image."},
			"auto_update": schema.BoolAttribute{Computed: true, Description: "Whether Incus refreshes the image from its source."},
			"size":        schema.Int64Attribute{Computed: true, Description: "Size in bytes."},
			"created_at":  schema.StringAttribute{Computed: true, Description: "Creation time (RFC 3339)."},
		},
	}
}

func (d *imageDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg imageDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := clienterr.WithTimeout(ctx, imageTimeouts.Read)
	defer cancel()
	scope, err := d.data.Incus.Resolve(incus.Scope{Remote: cfg.Remote.ValueString(), Project: cfg.Project.ValueString()})
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unknown Incus Remote", err)
		return
	}
	img, err := d.data.Incus.FindImage(ctx, scope, cfg.Name.ValueString(), cfg.Type.ValueString(), cfg.Architecture.ValueString())
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Find Incus Image", err)
		return
	}
	var m imageModel
	m.apply(img, scope)
	cfg.ID, cfg.Remote, cfg.Project, cfg.Fingerprint = m.ID, m.Remote, m.Project, m.Fingerprint
	cfg.Aliases, cfg.Description, cfg.Public, cfg.AutoUpdate = m.Aliases, m.Description, m.Public, m.AutoUpdate
	cfg.Size, cfg.CreatedAt, cfg.Type, cfg.Architecture = m.Size, m.CreatedAt, m.Type, m.Architecture
	resp.Diagnostics.Append(resp.State.Set(ctx, &cfg)...)
}
