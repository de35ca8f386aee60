// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/**
 * @title CaravanToken
 * @notice Caravan's governance token (CVN): a fixed-supply ERC-20 with EIP-2612 permits and checkpointed votes
 * (ERC20Votes; holders delegate, to themselves or others, to activate their votes). The whole supply is minted
 * at deployment to the given holders (treasury, Foundation budget, contributors).
 */
contract CaravanToken is ERC20, ERC20Permit, ERC20Votes {
    /// @notice `holders` and `amounts` differ in length.
    error CaravanTokenLengthMismatch(uint256 holders, uint256 amounts);

    /**
     * @param holders who receives the initial supply
     * @param amounts how much each holder receives
     */
    constructor(address[] memory holders, uint256[] memory amounts)
        ERC20("Caravan", "CVN")
        ERC20Permit("Caravan")
    {
        if (holders.length != amounts.length) revert CaravanTokenLengthMismatch(holders.length, amounts.length);
        for (uint256 i = 0; i < holders.length; ++i) {
            _mint(holders[i], amounts[i]);
        }
    }

    /// @inheritdoc ERC20Permit
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    /// @dev Votes move with balances.
    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}
