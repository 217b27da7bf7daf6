// One Exchange Server SE mailbox server: NIC, VM with database and log disks, and the setup run.

param name string
param zone string
param location string
param vmSize string
param subnetId string
param privateIp string
param logDiskSku string
param installMediaUrl string
param adminUsername string
@secure()
param adminPassword string
param tags object

param databaseDiskSizeGB int = 2048
param logDiskSizeGB int = 512

// two database disks and a disk of its own for the transaction logs
var dataDisks = [
  {
    name: 'db01'
    sizeGB: databaseDiskSizeGB
    sku: 'Premium_LRS'
  }
  {
    name: 'db02'
    sizeGB: databaseDiskSizeGB
    sku: 'Premium_LRS'
  }
  {
    name: 'log01'
    sizeGB: logDiskSizeGB
    sku: logDiskSku
  }
]

resource nic 'Microsoft.Network/networkInterfaces@2023-09-01' = {
  name: '${name}-nic'
  location: location
  tags: tags
  properties: {
    ipConfigurations: [
      {
        name: 'ipconfig1'
        properties: {
          privateIPAllocationMethod: 'Static'
          privateIPAddress: privateIp
          subnet: {
            id: subnetId
          }
        }
      }
    ]
  }
}

resource vm 'Microsoft.Compute/virtualMachines@2024-03-01' = {
  name: name
  location: location
  zones: [
    zone
  ]
  tags: tags
  properties: {
    hardwareProfile: {
      vmSize: vmSize
    }
    osProfile: {
      computerName: name
      adminUsername: adminUsername
      adminPassword: adminPassword
      windowsConfiguration: {
        provisionVMAgent: true
        enableAutomaticUpdates: false
      }
    }
    storageProfile: {
      imageReference: {
        publisher: 'MicrosoftWindowsServer'
        offer: 'WindowsServer'
        sku: '2022-datacenter-g2'
        version: 'latest'
      }
      osDisk: {
        name: '${name}-os'
        createOption: 'FromImage'
        diskSizeGB: 256
        managedDisk: {
          storageAccountType: 'Premium_LRS'
        }
      }
      dataDisks: [for (disk, i) in dataDisks: {
        lun: i
        name: '${name}-${disk.name}'
        createOption: 'Empty'
        diskSizeGB: disk.sizeGB
        caching: 'None'
        managedDisk: {
          storageAccountType: disk.sku
        }
      }]
    }
    networkProfile: {
      networkInterfaces: [
        {
          id: nic.id
        }
      ]
    }
  }
}

resource setup 'Microsoft.Compute/virtualMachines/extensions@2024-03-01' = {
  parent: vm
  name: 'install-exchange'
  location: location
  properties: {
    publisher: 'Microsoft.Compute'
    type: 'CustomScriptExtension'
    typeHandlerVersion: '1.10'
    autoUpgradeMinorVersion: true
    settings: {
      fileUris: [
        installMediaUrl
      ]
      commandToExecute: 'powershell -ExecutionPolicy Bypass -Command "$iso = Mount-DiskImage -ImagePath (Resolve-Path .\\ExchangeServerSE-x64.iso) -PassThru; $drive = ($iso | Get-Volume).DriveLetter; & \\"$($drive):\\Setup.exe\\" /Mode:Install /Roles:Mailbox /IAcceptExchangeServerLicenseTerms_DiagnosticDataOFF /DbFilePath:F:\\DB01\\DB01.edb /LogFolderPath:H:\\DB01"'
    }
  }
}

output vmId string = vm.id
