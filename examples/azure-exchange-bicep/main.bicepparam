using './main.bicep'

param environment = 'prod'
param mailboxServers = [
  {
    name: 'exch-mbx-01'
    zone: '1'
  }
  {
    name: 'exch-mbx-02'
    zone: '2'
  }
]
param adminPassword = readEnvironmentVariable('EXCHANGE_ADMIN_PASSWORD', '')
