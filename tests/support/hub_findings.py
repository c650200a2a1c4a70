"""Print the Security Hub findings moto holds, per account and region, as JSON.

Usage: hub_findings.py ENDPOINT ACCOUNT:REGION...

The caller's account (moto's default, 123456789012) is read with the test credentials; any other
through an AssumeRole into its OrganizationAccountAccessRole (moto grants it). moto's GetFindings
ignores filters: every finding of the account and region is printed, sorted by Id, under
"ACCOUNT/REGION".
"""
import json
import sys

import boto3

CALLER = "123456789012"


def main():
    endpoint = sys.argv[1]
    out = {}
    for pair in sys.argv[2:]:
        account, region = pair.split(":")
        kw = dict(endpoint_url=endpoint, region_name=region,
                  aws_access_key_id="testing", aws_secret_access_key="testing")
        if account != CALLER:
            sts = boto3.client("sts", **kw)
            c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                                RoleSessionName="hub-findings")["Credentials"]
            kw.update(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                      aws_session_token=c["SessionToken"])
        sh = boto3.client("securityhub", **kw)
        findings, token = [], None
        while True:
            page = sh.get_findings(MaxResults=100, **({"NextToken": token} if token else {}))
            findings += page["Findings"]
            token = page.get("NextToken")
            if not token:
                break
        out[f"{account}/{region}"] = sorted(findings, key=lambda f: f["Id"])
    json.dump(out, sys.stdout, sort_keys=True, default=str)


main()
