package pikvm

import (
	"context"
	"sort"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
)

// msdDataSource is rack_pikvm_msd: the virtual media storage and drive.
type msdDataSource struct{ pikvmDataSource }

func NewMSDDataSource() datasource.DataSource { return &msdDataSource{} }

type pikvmMSDDataModel struct {
	PiKVM          types.String `tfsdk:"pikvm"`
	Enabled        types.Bool   `tfsdk:"enabled"`
	Online         types.Bool   `tfsdk:"online"`
	Busy           types.Bool   `tfsdk:"busy"`
	StorageSize    types.Int64  `tfsdk:"storage_size"`
	StorageFree    types.Int64  `tfsdk:"storage_free"`
	Images         types.List   `tfsdk:"images"`
	DriveImage     types.String `tfsdk:"drive_image"`
	DriveConnected types.Bool   `tfsdk:"drive_connected"`
	DriveCDROM     types.Bool   `tfsdk:"drive_cdrom"`
	DriveRW        types.Bool   `tfsdk:"drive_rw"`
}

var msdImageAttrTypes = map[string]attr.Type{
	"name": types.StringType, "size": types.Int64Type, "complete": types.BoolType, "writable": types.BoolType,
}

func (d *msdDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_pikvm_msd"
}

func (d *msdDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Reads a PiKVM's virtual media: the images in its storage, the free space, and what the drive holds.",
		Attributes: map[string]schema.Attribute{
			"pikvm":        dataPiKVMAttribute(),
			"enabled":      schema.BoolAttribute{Computed: true, Description: "Whether the MSD is enabled."},
			"online":       schema.BoolAttribute{Computed: true, Description: "Whether kvmd sees the MSD storage."},
			"busy":         schema.BoolAttribute{Computed: true, Description: "Whether an MSD operation (an upload, say) is in progress."},
			"storage_size": schema.Int64Attribute{Computed: true, Description: "Size of the image storage in bytes."},
			"storage_free": schema.Int64Attribute{Computed: true, Description: "Free bytes in the image storage."},
			"images": schema.ListNestedAttribute{Computed: true, Description: "Images in the storage, by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":     schema.StringAttribute{Computed: true, Description: "Image name."},
					"size":     schema.Int64Attribute{Computed: true, Description: "Size in bytes."},
					"complete": schema.BoolAttribute{Computed: true, Description: "False for an upload that broke off."},
					"writable": schema.BoolAttribute{Computed: true, Description: "Whether the drive can write to it (never for `.iso`)."},
				}}},
			"drive_image":     schema.StringAttribute{Computed: true, Description: "Image in the drive; empty when none."},
			"drive_connected": schema.BoolAttribute{Computed: true, Description: "Whether the drive is connected to the host."},
			"drive_cdrom":     schema.BoolAttribute{Computed: true, Description: "Whether the drive is a CD-ROM."},
			"drive_rw":        schema.BoolAttribute{Computed: true, Description: "Whether the drive is read-write."},
		},
	}
}

func (d *msdDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m pikvmMSDDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	c, ctx, cancel, err := d.readDevice(ctx, m.PiKVM)
	defer cancel()
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read the MSD", err)
		return
	}
	msd, err := c.MSD(ctx)
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read the MSD", err)
		return
	}
	m.PiKVM = types.StringValue(c.Name())
	m.Enabled, m.Online, m.Busy = types.BoolValue(msd.Enabled), types.BoolValue(msd.Online), types.BoolValue(msd.Busy)
	size, free := msd.StorageSize()
	m.StorageSize, m.StorageFree = types.Int64Value(size), types.Int64Value(free)
	images := []attr.Value{}
	if msd.Storage != nil {
		names := make([]string, 0, len(msd.Storage.Images))
		for n := range msd.Storage.Images {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			img := msd.Storage.Images[n]
			images = append(images, types.ObjectValueMust(msdImageAttrTypes, map[string]attr.Value{
				"name": types.StringValue(n), "size": types.Int64Value(img.Size),
				"complete": types.BoolValue(img.Complete), "writable": types.BoolValue(img.Writable),
			}))
		}
	}
	m.Images = types.ListValueMust(types.ObjectType{AttrTypes: msdImageAttrTypes}, images)
	m.DriveImage = types.StringValue(msd.SelectedImage())
	m.DriveConnected = types.BoolValue(msd.Connected())
	m.DriveCDROM = types.BoolValue(msd.Drive != nil && msd.Drive.CDROM)
	m.DriveRW = types.BoolValue(msd.Drive != nil && msd.Drive.RW)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
