/**
 * Service activation (issue 14; seed 003's Hizmetlerim): ListServices, ActivateService, ChangeActivationDate,
 * GetActivationContract, SubmitActivationContract and CloseService. Thin handlers over the activation service.
 */
import { parsePlanItem, type ActivationService, type ContractView, type ServiceView } from '../../activation/activation.service';
import { serviceCode } from '../../activation/catalogue';
import { GatewayError } from '../../faults';
import { argRequired, argList, soapOperation, type OperationDeps } from '../operation';
import { el } from './invoice-status';

function serviceXml(s: ServiceView & { operation?: string; gibXml?: string | null }): { $xml: string } {
  return {
    $xml:
      el('service', s.service) + el('name', s.name) + el('state', s.state) + el('code', s.code) + el('description', s.description) +
      el('orderedAt', s.orderedAt) + el('openedAt', s.openedAt) + el('activationAt', s.activationAt) + el('gibCode', s.gibCode) +
      el('gibDescription', s.gibDescription) + el('operation', s.operation) + el('gibXml', s.gibXml),
  };
}

function companyXml(c: ContractView['company']): { $xml: string } {
  return { $xml: el('vkn', c.vkn) + el('title', c.title) + el('gbAlias', c.gbAlias) + el('pkAlias', c.pkAlias) };
}

function contractFields(c: ContractView) {
  return {
    company: companyXml(c.company),
    service: c.services.map(serviceXml),
    contractId: c.contractId,
    contract: c.contract.toString('base64'),
  };
}


export function activationOperations(deps: OperationDeps & { activation: ActivationService }) {
  const { activation } = deps;
  return {
    ListServices: soapOperation('ListServices', deps, async (caller) => ({ service: (await activation.list(caller)).map(serviceXml) })),

    ActivateService: soapOperation('ActivateService', deps, async (caller, args) => {
      const plan = argList(args.service).map(parsePlanItem);
      const contract = await activation.start(caller, plan);
      if (contract) return contractFields(contract);
      // Only services that need no contract: they are Aktif now.
      const all = await activation.list(caller);
      return { company: companyXml(await activation.company(caller)), service: all.filter((s) => plan.some((p) => p.service === s.service)).map(serviceXml) };
    }),

    ChangeActivationDate: soapOperation('ChangeActivationDate', deps, async (caller, args) => ({
      service: serviceXml(await activation.changeDate(caller, parsePlanItem(argRequired(args.service, 'service')))),
    })),

    GetActivationContract: soapOperation('GetActivationContract', deps, async (caller) => contractFields(await activation.contract(caller))),

    SubmitActivationContract: soapOperation('SubmitActivationContract', deps, async (caller, args) => {
      const text = argRequired(args.contract, 'contract');
      if (!/^[A-Za-z0-9+/=\s]*$/.test(text)) throw new GatewayError('REQUEST_FIELD', { field: 'contract (base64)' });
      const r = await activation.submitContract(caller, Buffer.from(text, 'base64'));
      return { contractId: r.contractId, result: r.results, service: r.services.map(serviceXml) };
    }),

    CloseService: soapOperation('CloseService', deps, async (caller, args) => ({
      service: serviceXml(await activation.close(caller, serviceCode(argRequired(args.service, 'service')))),
    })),
  };
}
