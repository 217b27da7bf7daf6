// Exchange Server SE database availability group on Azure IaaS: two mailbox servers in two zones,
// built from one module (modules/mailbox.bicep), in a subnet of their own behind an NSG.
// `exvlint check examples/azure-exchange-bicep` reports what Microsoft does not support here.

@description('Environment name, used in resource names')
@allowed([
  'dev'
  'test'
  'prod'
])
param environment string = 'prod'

@description('Azure region of every resource')
param location string = resourceGroup().location

@description('The DAG members: server name and availability zone')
param mailboxServers array = [
  {
    name: 'exch-mbx-01'
    zone: '1'
  }
  {
    name: 'exch-mbx-02'
    zone: '2'
  }
]

@description('Size of the mailbox servers (Exchange SE recommends 128 GB of memory for Mailbox)')
param vmSize string = 'Standard_E16s_v5'

@description('Disk SKU of the transaction log disks')
param logDiskSku string = 'Standard_LRS'

@description('Where the Exchange Server SE ISO is downloaded from (a storage container the team controls)')
param installMediaUrl string = 'https://stmailmedia.blob.core.windows.net/media/ExchangeServerSE-x64.iso'

param adminUsername string = 'exadmin'

@secure()
param adminPassword string

var tags = {
  environment: environment
  workload: 'exchange-mailbox'
  owner: 'messaging-team'
}

resource nsg 'Microsoft.Network/networkSecurityGroups@2023-09-01' = {
  name: 'nsg-exchange-${environment}'
  location: location
  tags: tags
  properties: {
    securityRules: [
      {
        name: 'allow-https-in'
        properties: {
          priority: 100
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourceAddressPrefix: 'VirtualNetwork'
          sourcePortRange: '*'
          destinationAddressPrefix: '*'
          destinationPortRange: '443'
        }
      }
      {
        name: 'allow-smtp-in'
        properties: {
          priority: 110
          direction: 'Inbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourceAddressPrefix: 'Internet'
          sourcePortRange: '*'
          destinationAddressPrefix: '*'
          destinationPortRange: '25'
        }
      }
      {
        // outbound mail straight to the recipients' servers
        name: 'allow-smtp-out'
        properties: {
          priority: 200
          direction: 'Outbound'
          access: 'Allow'
          protocol: 'Tcp'
          sourceAddressPrefix: 'VirtualNetwork'
          sourcePortRange: '*'
          destinationAddressPrefix: 'Internet'
          destinationPortRange: '25'
        }
      }
    ]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = {
  name: 'vnet-exchange-${environment}'
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        '10.20.0.0/16'
      ]
    }
    subnets: [
      {
        name: 'snet-mailbox'
        properties: {
          addressPrefix: '10.20.1.0/24'
          networkSecurityGroup: {
            id: nsg.id
          }
        }
      }
    ]
  }
}

module mailbox 'modules/mailbox.bicep' = [for (server, i) in mailboxServers: {
  name: 'mailbox-${server.name}'
  params: {
    name: server.name
    zone: server.zone
    location: location
    vmSize: vmSize
    subnetId: vnet.properties.subnets[0].id
    privateIp: '10.20.1.${10 + i}'
    logDiskSku: logDiskSku
    installMediaUrl: installMediaUrl
    adminUsername: adminUsername
    adminPassword: adminPassword
    tags: tags
  }
}]

output mailboxServerIds array = [for (server, i) in mailboxServers: mailbox[i].outputs.vmId]
